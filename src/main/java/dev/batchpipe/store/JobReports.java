package dev.batchpipe.store;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Read-only views of jobs, their batches and their problems, for {@code status}, {@code process --wait} and the API. */
public final class JobReports {

    private final Jdbi jdbi;

    public JobReports(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public record JobSummary(long id, String task, String source, String status, String schedule, int priority,
                             long itemsAccepted, long itemsDuplicate, long linesRejected, long requests, long succeeded,
                             long dead, long waiting, long inBatches, long batches, long inputTokens, long outputTokens,
                             BigDecimal costUsd, String error, Instant createdAt, Instant finishedAt,
                             long syntheticAnswers) {

        public boolean finished() {
            return !status.equals("receiving") && !status.equals("active");
        }
    }

    public record BatchSummary(long id, String provider, String model, String state, String providerBatchId,
                               String providerStatus, int requests, int completed, int failed, long estimatedTokens,
                               String error, Instant createdAt, Instant finishedAt, boolean synthetic) {
    }

    /** Requests of a job that wait because their provider is held (see provider_holds), with the reason. */
    public record Hold(String provider, String reason, Instant since, long requests) {
    }

    public record Problem(long line, String reason) {
    }

    private static final String JOB_SQL = """
            SELECT j.id, j.task, j.source, j.status, j.schedule, j.priority, j.items_accepted, j.items_duplicate,
                   j.lines_rejected, j.error, j.created_at, j.finished_at,
                   count(r.id) AS requests,
                   count(r.id) FILTER (WHERE r.state = 'succeeded') AS succeeded,
                   count(r.id) FILTER (WHERE r.state = 'dead') AS dead,
                   count(r.id) FILTER (WHERE r.state = 'pending') AS waiting,
                   count(r.id) FILTER (WHERE r.state = 'batched') AS in_batches,
                   coalesce(sum(r.input_tokens), 0) AS input_tokens,
                   coalesce(sum(r.output_tokens), 0) AS output_tokens,
                   coalesce(sum(r.cost_usd), 0) AS cost,
                   (SELECT count(DISTINCT s.batch_id) FROM request_submissions s JOIN requests q ON q.id = s.request_id
                    WHERE q.job_id = j.id) AS batches,
                   (SELECT count(*) FROM synthetic_answers a WHERE a.job_id = j.id) AS synthetic_answers
            FROM jobs j LEFT JOIN requests r ON r.job_id = j.id
            """;

    public Optional<JobSummary> job(long id) {
        return jdbi.withHandle(h -> h.createQuery(JOB_SQL + " WHERE j.id = :id GROUP BY j.id").bind("id", id)
                .map((rs, ctx) -> summary(rs)).findOne());
    }

    public List<JobSummary> recentJobs(int limit) {
        return jdbi.withHandle(h -> h.createQuery(JOB_SQL + " GROUP BY j.id ORDER BY j.id DESC LIMIT :limit")
                .bind("limit", limit).map((rs, ctx) -> summary(rs)).list());
    }

    public List<BatchSummary> batches(long jobId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT b.id, b.provider, b.model, b.state, b.provider_batch_id, b.provider_status, b.request_count,
                               coalesce(b.completed_count, 0), coalesce(b.failed_count, 0), b.estimated_tokens, b.error,
                               b.created_at, coalesce(b.ingested_at, b.finished_at), b.synthetic
                        FROM batches b
                        WHERE b.id IN (SELECT s.batch_id FROM request_submissions s JOIN requests q ON q.id = s.request_id
                                       WHERE q.job_id = :job)
                        ORDER BY b.id""")
                .bind("job", jobId)
                .map((rs, ctx) -> new BatchSummary(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7), rs.getInt(8), rs.getInt(9), rs.getLong(10),
                        rs.getString(11), instant(rs.getTimestamp(12)), instant(rs.getTimestamp(13)), rs.getBoolean(14)))
                .list());
    }

    /** The job's pending requests whose provider a service holds, per provider. */
    public List<Hold> holds(long jobId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT p.provider, p.reason, p.since, count(*) FROM requests r "
                        + "JOIN provider_holds p ON p.provider = r.provider WHERE r.job_id = :job AND r.state = 'pending' "
                        + "GROUP BY p.provider, p.reason, p.since ORDER BY p.provider")
                .bind("job", jobId)
                .map((rs, ctx) -> new Hold(rs.getString(1), rs.getString(2), instant(rs.getTimestamp(3)), rs.getLong(4)))
                .list());
    }

    /** The first rejected lines of a job's input. */
    public List<Problem> inputErrors(long jobId, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT line, reason FROM input_errors WHERE job_id = :job ORDER BY line LIMIT :n")
                .bind("job", jobId).bind("n", limit)
                .map((rs, ctx) -> new Problem(rs.getLong(1), rs.getString(2))).list());
    }

    /** Open dead letters of a job: the item's line and the reason. */
    public List<Problem> deadLetters(long jobId, int limit) {
        return jdbi.withHandle(h -> h.createQuery("SELECT coalesce(i.line, 0), d.reason FROM dead_letters d "
                        + "JOIN requests r ON r.id = d.request_id JOIN items i ON i.id = r.item_id "
                        + "WHERE d.job_id = :job AND d.replayed_at IS NULL ORDER BY d.id LIMIT :n")
                .bind("job", jobId).bind("n", limit)
                .map((rs, ctx) -> new Problem(rs.getLong(1), rs.getString(2))).list());
    }

    private static JobSummary summary(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new JobSummary(rs.getLong("id"), rs.getString("task"), rs.getString("source"), rs.getString("status"),
                rs.getString("schedule"), rs.getInt("priority"), rs.getLong("items_accepted"),
                rs.getLong("items_duplicate"), rs.getLong("lines_rejected"), rs.getLong("requests"),
                rs.getLong("succeeded"), rs.getLong("dead"), rs.getLong("waiting"), rs.getLong("in_batches"),
                rs.getLong("batches"), rs.getLong("input_tokens"), rs.getLong("output_tokens"), rs.getBigDecimal("cost"),
                rs.getString("error"), instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("finished_at")),
                rs.getLong("synthetic_answers"));
    }

    private static Instant instant(java.sql.Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
