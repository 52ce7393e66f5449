package dev.batchpipe.pipeline;

import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.util.Collection;
import java.util.List;
import org.jdbi.v3.core.Handle;

/**
 * Closes jobs whose requests have all reached a final state (only received jobs: the committed chunks of a job still
 * being taken in are packed and answered before its file ends, and its intake calls this once it is received), and
 * tells the places work came from: rows of a source table become done (or failed, when a request of theirs was
 * dead-lettered), extraction runs get their progress and outcome. State-based and idempotent, so it can run after
 * every batch, by any instance.
 */
public final class JobCompletion {

    private final TaskRegistry tasks;

    public JobCompletion(TaskRegistry tasks) {
        this.tasks = tasks;
    }

    /**
     * Opens finished jobs again because some of their requests went back to pending (a replay, a purge): their
     * extraction runs run again, and their source rows in one of {@code sourceStates} are queued until the jobs close.
     */
    public void reopen(Handle h, Collection<Long> jobs, List<String> sourceStates) {
        h.createUpdate("UPDATE jobs SET status = 'active', finished_at = NULL WHERE id IN (<jobs>) "
                + "AND status IN ('succeeded', 'partial')").bindList("jobs", jobs).execute();
        h.createUpdate("DELETE FROM job_totals WHERE job_id IN (<jobs>)").bindList("jobs", jobs).execute();
        h.createUpdate("UPDATE extraction_runs SET status = 'running', finished_at = NULL WHERE job_id IN (<jobs>) "
                + "AND status IN ('succeeded', 'partial')").bindList("jobs", jobs).execute();
        for (TaskDefinition task : tasks.all()) {
            if (task.source() != null) {
                h.createUpdate("UPDATE " + task.source().table() + " SET extraction_state = 'queued' "
                                + "WHERE extraction_state IN (<states>) AND extraction_job_id IN (<jobs>)")
                        .bindList("states", sourceStates).bindList("jobs", jobs).execute();
            }
        }
    }

    public void complete(Handle h) {
        // one completion at a time on the database, to the end of its transaction: two batches of one job settling at
        // once (two ingest consumers, two instances) would otherwise each see the other's requests still batched, and
        // neither close the job. Under READ COMMITTED the one that waited then sees what the first committed.
        h.execute("SELECT pg_advisory_xact_lock(hashtext('batchpipe.job-completion'))");
        // a closed job's counts no longer change until it reopens: frozen as it closes, so listing jobs reads one row
        h.createUpdate("""
                WITH closed AS (
                  UPDATE jobs j SET finished_at = now(),
                    status = CASE WHEN j.cancelled_at IS NOT NULL
                                    OR EXISTS (SELECT 1 FROM requests r WHERE r.job_id = j.id AND r.state = 'cancelled')
                                  THEN 'cancelled'
                                  WHEN EXISTS (SELECT 1 FROM requests r WHERE r.job_id = j.id AND r.state = 'dead')
                                  THEN 'partial' ELSE 'succeeded' END
                  WHERE j.status = 'active'
                    AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.job_id = j.id AND r.state IN ('pending', 'batched'))
                  RETURNING j.id)
                INSERT INTO job_totals SELECT closed.id, c.* FROM closed, job_counts(closed.id) c
                """).execute();
        for (TaskDefinition task : tasks.all()) {
            if (task.source() != null) {
                h.createUpdate("UPDATE " + task.source().table() + " t SET extracted_at = now(), extraction_state = "
                        + "CASE WHEN EXISTS (SELECT 1 FROM requests r WHERE r.item_id = i.id AND r.state IN ('dead', 'cancelled')) "
                        + "THEN 'failed' ELSE 'done' END "
                        + "FROM items i JOIN jobs j ON j.id = i.job_id "
                        + "WHERE t.extraction_state = 'queued' AND t.extraction_job_id = j.id "
                        + "AND i.source_key = t." + task.keyField() + "::text AND i.task = :task "
                        + "AND j.status NOT IN ('receiving', 'active')")
                        .bind("task", task.name()).execute();
            }
        }
        h.createUpdate("""
                UPDATE extraction_runs r SET succeeded = x.succeeded, dead = x.dead,
                  status = CASE WHEN j.status IN ('receiving', 'active') THEN r.status
                                WHEN j.status IN ('partial', 'cancelled') THEN 'partial'
                                WHEN j.status = 'rejected' AND j.lines_rejected > 0 THEN 'failed'
                                ELSE 'succeeded' END,
                  error = CASE WHEN j.status = 'rejected' AND j.lines_rejected > 0 THEN j.error ELSE r.error END,
                  finished_at = CASE WHEN j.status IN ('receiving', 'active') THEN NULL ELSE now() END
                FROM jobs j,
                     LATERAL (SELECT count(*) FILTER (WHERE q.state = 'succeeded') AS succeeded,
                                     count(*) FILTER (WHERE q.state = 'dead') AS dead
                              FROM requests q WHERE q.job_id = j.id) x
                WHERE r.status = 'running' AND r.job_id = j.id
                """).execute();
    }
}
