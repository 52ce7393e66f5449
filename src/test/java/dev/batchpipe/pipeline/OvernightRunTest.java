package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.support.PipelineTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An extraction run scheduled overnight waits for its task's window (a Quartz cron, here set to fire a few seconds
 * after start) and is submitted then, not before. New rows are left to runs (no automatic pick-up).
 */
class OvernightRunTest extends PipelineTest {

    private Instant window;

    @Override
    protected Map<String, String> settings() {
        LocalDateTime fire = LocalDateTime.now().plusSeconds(25).withNano(0);
        window = fire.atZone(java.time.ZoneId.systemDefault()).toInstant();
        return Map.of("batchpipe.pack.interval-ms", "300",
                "batchpipe.db-source.auto-pickup", "false",
                "batchpipe.overnight.cron.knowledge-extraction",
                fire.getSecond() + " " + fire.getMinute() + " " + fire.getHour() + " * * ?");
    }

    @Test
    void aLimitedOvernightRunIsSubmittedInItsWindowAndNotBefore() {
        db.useHandle(h -> {
            for (int i = 1; i <= 6; i++) {
                h.execute("INSERT INTO story_groups (id, title, text) VALUES (?, ?, ?)", "night-" + i, "Group " + i,
                        "Turkish Airlines and Airbus signed order number " + i + " in Toulouse.");
            }
        });
        long received = sandbox.stats().openai().requestsReceived();
        long run = db.withHandle(h -> h.createQuery("INSERT INTO extraction_runs (task, row_limit, schedule, priority, "
                + "requested_by) VALUES ('knowledge-extraction', 4, 'overnight', 7, 'test') RETURNING id")
                .mapTo(Long.class).one());

        await().atMost(Duration.ofSeconds(20)).until(() ->
                "running".equals(text("SELECT status FROM extraction_runs WHERE id = ?", run)));
        assertThat(count("SELECT rows_selected FROM extraction_runs WHERE id = ?", run)).isEqualTo(4);
        assertThat(count("SELECT items_new FROM extraction_runs WHERE id = ?", run)).isEqualTo(4);
        long job = count("SELECT job_id FROM extraction_runs WHERE id = ?", run);
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'pending' "
                + "AND not_before = 'infinity'", job)).isEqualTo(8);
        assertThat(Instant.now()).as("the test must observe the wait before the window").isBefore(window);
        assertThat(sandbox.stats().openai().requestsReceived()).isEqualTo(received);

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                "succeeded".equals(text("SELECT status FROM extraction_runs WHERE id = ?", run)));

        Timestamp firstSubmit = db.withHandle(h -> h.createQuery("SELECT min(b.submitted_at) FROM batches b "
                + "JOIN request_submissions s ON s.batch_id = b.id JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = :job").bind("job", job).mapTo(Timestamp.class).one());
        assertThat(firstSubmit.toInstant()).isAfterOrEqualTo(window.minusMillis(500));
        assertThat(count("SELECT succeeded FROM extraction_runs WHERE id = ?", run)).isEqualTo(8);
        assertThat(count("SELECT count(*) FROM story_groups WHERE id LIKE 'night-%' AND extraction_state = 'done'"))
                .isEqualTo(4);
        assertThat(count("SELECT count(*) FROM story_groups WHERE id LIKE 'night-%' AND extraction_state = 'pending'"))
                .isEqualTo(2);
    }
}
