package dev.batchpipe.pipeline;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests of overnight jobs wait (not_before = infinity) until their task's submission window opens, a Quartz
 * cron per task (route template {@code overnight-window}); then they are packed like any other, by priority.
 */
public final class OvernightWindow {

    private static final Logger LOG = LoggerFactory.getLogger(OvernightWindow.class);

    private final Jdbi jdbi;

    public OvernightWindow(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Releases the task's waiting overnight requests; returns how many. */
    public int open(String task) {
        int released = jdbi.withHandle(h -> h.createUpdate("UPDATE requests SET not_before = NULL, updated_at = now() "
                        + "WHERE task = :task AND state = 'pending' AND not_before = 'infinity'")
                .bind("task", task).execute());
        LOG.info("Overnight window of {}: {} request(s) released for packing", task, released);
        return released;
    }
}
