package dev.batchpipe.api;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.pipeline.DeadLetters;
import dev.batchpipe.store.JobReports;
import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/**
 * The API's read-only views: jobs, batches, dead letters, extraction runs and rejected input lines, in pages
 * ({@link Page}). Job numbers come from {@link JobReports} (the same as {@code status}); the cost is priced at the
 * realtime price too, so every view says what batching saved.
 */
public final class ApiReads {

    static final Set<String> JOB_STATUSES = Set.of("receiving", "active", "succeeded", "partial", "failed", "rejected",
            "cancelled");
    static final Set<String> MODES = Set.copyOf(dev.batchpipe.intake.JobOptions.MODES);
    static final Set<String> BATCH_STATES = Set.of("packed", "uploaded", "creating", "submitted", "finished", "ingested",
            "abandoned");

    private final Jdbi jdbi;
    private final JobReports reports;
    private final DeadLetters deadLetters;
    private final PriceTable prices;

    public ApiReads(Jdbi jdbi, JobReports reports, DeadLetters deadLetters, PriceTable prices) {
        this.jdbi = jdbi;
        this.reports = reports;
        this.deadLetters = deadLetters;
        this.prices = prices;
    }

    /**
     * A job. {@code failed}: requests that will not be tried again without a replay (dead + cancelled);
     * {@code pending}: requests not final yet (waiting + in batches); {@code progress}: the share of requests final.
     * {@code modeReason}: why mode auto chose the mode (null when it was asked for); {@code batchCostUsd}: the work at
     * the batch price (a realtime job: what it would have cost as a batch); {@code realtimeCostUsd}: at the realtime
     * price; {@code savingsUsd}: what the batch price saved against realtime (0 for a realtime job).
     */
    public record Job(long id, String task, String status, String mode, String modeReason, Instant deadlineAt,
                      String source, String schedule, int priority,
                      Instant createdAt, Instant finishedAt, Instant cancelledAt, long items, long itemsDuplicate,
                      long linesRejected, long requests, long succeeded, long failed, long dead, long cancelled,
                      long pending, long waiting, long inBatches, double progress, long batches, long inputTokens,
                      long outputTokens, BigDecimal costUsd, BigDecimal batchCostUsd, BigDecimal realtimeCostUsd,
                      BigDecimal savingsUsd, long syntheticAnswers, String error) {
    }

    public record JobPage(List<Job> items, String nextCursor) {
    }

    /**
     * A job with its answer summary (in all, cache hits, newly answered, failed, success rate), its batches, the
     * providers holding its requests, and its first problems.
     */
    public record JobDetail(@JsonUnwrapped Job job, JobReports.AnswerSummary summary,
                            List<JobReports.BatchSummary> batchList,
                            List<JobReports.Hold> held, List<JobReports.OutputRows> outputRows,
                            List<JobReports.Problem> rejectedLines, List<JobReports.Problem> deadLetters) {
    }

    public record Batch(long id, String provider, String model, String state, String providerBatchId,
                        String providerStatus, int requests, int completed, int failed, long estimatedTokens,
                        List<Long> jobs, BigDecimal costUsd, String error, Instant createdAt, Instant submittedAt,
                        Instant finishedAt, Instant ingestedAt, Instant expiresAt, Instant cancelRequestedAt,
                        boolean synthetic) {
    }

    public record BatchPage(List<Batch> items, String nextCursor) {
    }

    public record DeadLetterPage(List<DeadLetters.Entry> items, String nextCursor) {
    }

    /** An extraction run (the extraction_runs row) and the job it became. */
    public record Run(long id, String task, Instant since, List<String> ids, Integer rowLimit, int priority,
                      String schedule, String requestedBy, String status, Long jobId, Integer rowsSelected,
                      Integer itemsNew, Integer succeeded, Integer dead, String error, Instant createdAt,
                      Instant startedAt, Instant finishedAt) {
    }

    public record RunPage(List<Run> items, String nextCursor) {
    }

    /** An input line that could not be taken in, and why. */
    public record RejectedLine(long line, String reason, String excerpt) {
    }

    public record RejectedPage(List<RejectedLine> items, String nextCursor) {
    }

    public JobPage jobs(String task, String status, String since, String mode, String limit, String cursor) {
        if (status != null && !JOB_STATUSES.contains(status)) {
            throw new ApiProblem(400, "status must be one of " + String.join(", ", JOB_STATUSES.stream().sorted().toList()));
        }
        if (mode != null && !MODES.contains(mode)) {
            throw new ApiProblem(400, "mode must be batch, realtime or auto");
        }
        int n = Page.limit(limit);
        var rows = reports.jobs(new JobReports.JobFilter(task, status, instant("since", since), mode,
                Page.cursor(cursor)), n + 1).stream().map(this::job).toList();
        Page<Job> page = Page.of(rows, n, Job::id);
        return new JobPage(page.items(), page.nextCursor());
    }

    public JobDetail job(String id) {
        long job = ApiProblem.number("job id", id);
        var summary = reports.job(job).orElseThrow(() -> new ApiProblem(404, "no job " + job));
        return new JobDetail(job(summary), reports.answerSummary(summary), reports.batches(job), reports.holds(job), reports.outputRows(job),
                reports.inputErrors(job, 100), reports.deadLetters(job, 100));
    }

    /** The job, priced at the realtime price too (a realtime job's cost is its realtime cost: it saved nothing). */
    public Job job(JobReports.JobSummary j) {
        long finals = j.succeeded() + j.dead() + j.cancelled();
        boolean realtimeMode = "realtime".equals(j.mode());
        BigDecimal realtime = realtimeMode ? j.costUsd() : prices.realtimeEquivalent(j.costUsd());
        BigDecimal batch = realtimeMode ? prices.batchEquivalent(j.costUsd()) : j.costUsd();
        return new Job(j.id(), j.task(), j.status(), j.mode(), j.modeReason(), j.deadlineAt(), j.source(), j.schedule(),
                j.priority(), j.createdAt(),
                j.finishedAt(), j.cancelledAt(), j.itemsAccepted(), j.itemsDuplicate(), j.linesRejected(), j.requests(),
                j.succeeded(), j.dead() + j.cancelled(), j.dead(), j.cancelled(), j.waiting() + j.inBatches(), j.waiting(),
                j.inBatches(), j.requests() == 0 ? (j.finished() ? 1.0 : 0.0) : (double) finals / j.requests(),
                j.batches(), j.inputTokens(), j.outputTokens(), j.costUsd(), batch, realtime, realtime.subtract(j.costUsd()),
                j.syntheticAnswers(), j.error());
    }

    public RejectedPage rejected(String id, String limit, String cursor) {
        long job = existingJob(id);
        int n = Page.limit(limit);
        Long after = Page.cursor(cursor);
        List<RejectedLine> rows = jdbi.withHandle(h -> h.createQuery("SELECT line, reason, excerpt FROM input_errors "
                        + "WHERE job_id = :job AND line > :after ORDER BY line LIMIT :n")
                .bind("job", job).bind("after", after == null ? 0 : after).bind("n", n + 1)
                .map((rs, ctx) -> new RejectedLine(rs.getLong(1), rs.getString(2), rs.getString(3))).list());
        Page<RejectedLine> page = Page.of(rows, n, RejectedLine::line);
        return new RejectedPage(page.items(), page.nextCursor());
    }

    private static final String BATCH_SQL = """
            SELECT b.id, b.provider, b.model, b.state, b.provider_batch_id, b.provider_status, b.request_count,
                   CASE WHEN b.state = 'ingested' THEN w.written ELSE coalesce(b.completed_count, 0) END,
                   CASE WHEN b.state = 'ingested' THEN w.items - w.written ELSE coalesce(b.failed_count, 0) END,
                   b.estimated_tokens,
                   ARRAY(SELECT DISTINCT q.job_id FROM request_submissions s JOIN requests q ON q.id = s.request_id
                         WHERE s.batch_id = b.id ORDER BY 1),
                   w.cost, b.error, b.created_at, b.submitted_at, b.finished_at, b.ingested_at, b.expires_at,
                   b.cancel_requested_at, b.synthetic
            FROM batches b,
                 LATERAL (SELECT count(*)::int AS written, coalesce(sum(r.cost_usd), 0) AS cost,
                                 (SELECT count(*)::int FROM request_submissions s WHERE s.batch_id = b.id) AS items
                          FROM results r WHERE r.batch_id = b.id) w
            """;

    public BatchPage batches(String state, String provider, String job, String limit, String cursor) {
        if (state != null && !BATCH_STATES.contains(state)) {
            throw new ApiProblem(400, "state must be one of " + String.join(", ", BATCH_STATES.stream().sorted().toList()));
        }
        Long jobId = ApiProblem.number("job", job);
        int n = Page.limit(limit);
        Long before = Page.cursor(cursor);
        List<Batch> rows = jdbi.withHandle(h -> h.createQuery(BATCH_SQL
                        + " WHERE (CAST(:state AS text) IS NULL OR b.state = :state)"
                        + " AND (CAST(:provider AS text) IS NULL OR b.provider = :provider)"
                        + " AND (CAST(:job AS bigint) IS NULL OR b.id IN (SELECT s.batch_id FROM request_submissions s"
                        + " JOIN requests q ON q.id = s.request_id WHERE q.job_id = :job))"
                        + " AND (CAST(:before AS bigint) IS NULL OR b.id < :before) ORDER BY b.id DESC LIMIT :n")
                .bind("state", state).bind("provider", provider).bind("job", jobId).bind("before", before)
                .bind("n", n + 1).map((rs, ctx) -> batch(rs)).list());
        Page<Batch> page = Page.of(rows, n, Batch::id);
        return new BatchPage(page.items(), page.nextCursor());
    }

    public Batch batch(String id) {
        long batch = ApiProblem.number("batch id", id);
        return jdbi.withHandle(h -> h.createQuery(BATCH_SQL + " WHERE b.id = :id").bind("id", batch)
                .map((rs, ctx) -> batch(rs)).findOne()).orElseThrow(() -> new ApiProblem(404, "no batch " + batch));
    }

    public DeadLetterPage deadLetters(String task, String job, String limit, String cursor) {
        int n = Page.limit(limit);
        Long after = Page.cursor(cursor);
        List<DeadLetters.Entry> rows = deadLetters.list(new DeadLetters.Selection(task, ApiProblem.number("job", job),
                null), after == null ? 0 : after, n + 1);
        Page<DeadLetters.Entry> page = Page.of(rows, n, DeadLetters.Entry::id);
        return new DeadLetterPage(page.items(), page.nextCursor());
    }

    private static final String RUN_SQL = "SELECT id, task, since, ids, row_limit, priority, schedule, requested_by, "
            + "status, job_id, rows_selected, items_new, succeeded, dead, error, created_at, started_at, finished_at "
            + "FROM extraction_runs";

    public RunPage runs(String task, String status, String limit, String cursor) {
        int n = Page.limit(limit);
        Long before = Page.cursor(cursor);
        List<Run> rows = jdbi.withHandle(h -> h.createQuery(RUN_SQL + " WHERE (CAST(:task AS text) IS NULL OR task = :task)"
                        + " AND (CAST(:status AS text) IS NULL OR status = :status)"
                        + " AND (CAST(:before AS bigint) IS NULL OR id < :before) ORDER BY id DESC LIMIT :n")
                .bind("task", task).bind("status", status).bind("before", before).bind("n", n + 1)
                .map((rs, ctx) -> run(rs)).list());
        Page<Run> page = Page.of(rows, n, Run::id);
        return new RunPage(page.items(), page.nextCursor());
    }

    public Run run(String id) {
        long run = ApiProblem.number("run id", id);
        return jdbi.withHandle(h -> h.createQuery(RUN_SQL + " WHERE id = :id").bind("id", run)
                .map((rs, ctx) -> run(rs)).findOne()).orElseThrow(() -> new ApiProblem(404, "no extraction run " + run));
    }

    /** The job id of a path parameter, when such a job exists. */
    long existingJob(String id) {
        long job = ApiProblem.number("job id", id);
        boolean exists = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM jobs WHERE id = :id").bind("id", job)
                .mapTo(Long.class).one()) > 0;
        if (!exists) {
            throw new ApiProblem(404, "no job " + job);
        }
        return job;
    }

    /** A date (2026-11-01, from midnight UTC) or an instant (2026-11-01T08:00:00Z) in a query parameter. */
    static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new ApiProblem(400, name + " must be a date (2026-11-01) or a UTC time (2026-11-01T08:00:00Z)");
        }
    }

    private static Batch batch(ResultSet rs) throws SQLException {
        return new Batch(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getInt(7), rs.getInt(8), rs.getInt(9), rs.getLong(10),
                Arrays.asList((Long[]) rs.getArray(11).getArray()), rs.getBigDecimal(12), rs.getString(13), at(rs, 14),
                at(rs, 15), at(rs, 16), at(rs, 17), at(rs, 18), at(rs, 19), rs.getBoolean(20));
    }

    private static Run run(ResultSet rs) throws SQLException {
        java.sql.Array ids = rs.getArray(4);
        return new Run(rs.getLong(1), rs.getString(2), at(rs, 3), ids == null ? null : List.of((String[]) ids.getArray()),
                (Integer) rs.getObject(5), rs.getInt(6), rs.getString(7), rs.getString(8), rs.getString(9),
                (Long) rs.getObject(10), (Integer) rs.getObject(11), (Integer) rs.getObject(12),
                (Integer) rs.getObject(13), (Integer) rs.getObject(14), rs.getString(15), at(rs, 16), at(rs, 17),
                at(rs, 18));
    }

    private static Instant at(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
