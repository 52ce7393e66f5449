package dev.batchpipe.pipeline;

import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Takes back what the built-in sandbox answered ({@code synthetic_answers}, cache hits of its answers included): the
 * rows its answers wrote in every output table of the tasks, the results themselves and their row cache entries. Their requests go back to pending with fresh budgets, so a
 * provider with a key answers them, and their jobs are open again until it has. One transaction; a dry run counts
 * the same rows and changes nothing.
 */
public final class SyntheticPurge {

    private final Jdbi jdbi;
    private final TaskRegistry tasks;
    private final JobCompletion completion;

    public SyntheticPurge(Jdbi jdbi, TaskRegistry tasks, JobCompletion completion) {
        this.jdbi = jdbi;
        this.tasks = tasks;
        this.completion = completion;
    }

    /** Rows of one table that were (or, in a dry run, would be) deleted. */
    public record Deleted(String table, long rows) {
    }

    /** What a purge did: rows per table (task tables, then results), requests put back to pending, jobs reopened. */
    public record Outcome(List<Deleted> deleted, long requests, long jobs, boolean dryRun) {
    }

    /** Purges the synthetic answers of {@code task} (null: of every task). */
    public Outcome purge(String task, boolean dryRun) {
        Collection<TaskDefinition> selected = task == null ? tasks.all() : List.of(tasks.get(task));
        return jdbi.inTransaction(h -> {
            h.execute("CREATE TEMP TABLE purged (request_id bigint PRIMARY KEY, job_id bigint NOT NULL) ON COMMIT DROP");
            h.createUpdate("INSERT INTO purged SELECT a.request_id, a.job_id FROM synthetic_answers a "
                            + "WHERE a.task IN (<tasks>)")
                    .bindList("tasks", selected.stream().map(TaskDefinition::name).toList()).execute();
            // an answer being ingested right now waits for us, and sees its request pending afterwards
            h.createQuery("SELECT id FROM requests WHERE id IN (SELECT request_id FROM purged) FOR UPDATE")
                    .mapTo(Long.class).list();
            List<Deleted> deleted = new ArrayList<>();
            for (String table : outputTables(selected)) {
                deleted.add(new Deleted(table, rows(h, table, dryRun)));
            }
            deleted.add(new Deleted("results", rows(h, "results", dryRun)));
            // nor are they served again from the row cache
            deleted.add(new Deleted("row_cache", rows(h, "row_cache", dryRun)));
            long requests = h.createQuery("SELECT count(*) FROM purged").mapTo(Long.class).one();
            List<Long> jobs = h.createQuery("SELECT DISTINCT job_id FROM purged ORDER BY job_id").mapTo(Long.class).list();
            if (!dryRun && requests > 0) {
                h.createUpdate("UPDATE requests SET state = 'pending', batch_id = NULL, attempts = 0, transient_failures = 0, "
                        + "not_before = NULL, last_error = 'purged: the built-in sandbox had answered it', updated_at = now() "
                        + "WHERE id IN (SELECT request_id FROM purged)").execute();
                completion.reopen(h, jobs, List.of("done", "failed"));
            }
            return new Outcome(deleted, requests, jobs.size(), dryRun);
        });
    }

    /** Every table the tasks' answers write, once each, in the order the task files name them. */
    private static Set<String> outputTables(Collection<TaskDefinition> tasks) {
        Set<String> tables = new LinkedHashSet<>();
        tasks.forEach(t -> t.requests().forEach(r -> r.outputs().forEach(o -> tables.add(o.table()))));
        return tables;
    }

    private static long rows(Handle h, String table, boolean dryRun) {
        String where = " WHERE request_id IN (SELECT request_id FROM purged)";
        return dryRun ? h.createQuery("SELECT count(*) FROM " + table + where).mapTo(Long.class).one()
                : h.createUpdate("DELETE FROM " + table + where).execute();
    }
}
