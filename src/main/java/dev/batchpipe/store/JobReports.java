package dev.batchpipe.store;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * Read-only views of jobs, their batches and their problems, for {@code status}, {@code process --wait} and the API.
 * Plain JDBC: {@code status} reads through one connection of its own, and Jdbi's first statement alone would cost it
 * a third of a second.
 */
public final class JobReports {

    private final Connections connections;

    /** On the service's pool. */
    public JobReports(Jdbi jdbi) {
        this.connections = new Connections() {
            @Override
            public <T> T with(Work<T> work) {
                return jdbi.withHandle(h -> run(work, h.getConnection()));
            }
        };
    }

    /** On one connection the caller owns (the read-only commands). */
    public JobReports(Connection connection) {
        this.connections = new Connections() {
            @Override
            public <T> T with(Work<T> work) {
                return run(work, connection);
            }
        };
    }

    private static <T> T run(Work<T> work, Connection connection) {
        try {
            return work.on(connection);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private interface Work<T> {
        T on(Connection c) throws SQLException;
    }

    private interface Connections {
        <T> T with(Work<T> work);
    }

    private interface Row<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private <T> List<T> query(String sql, Row<T> row, Object... params) {
        return connections.with(c -> list(c, sql, row, params));
    }

    private static <T> List<T> list(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            List<T> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    rows.add(row.map(rs));
                }
            }
            return rows;
        }
    }

    public record JobSummary(long id, String task, String source, String status, String schedule, int priority,
                             long itemsAccepted, long itemsDuplicate, long linesRejected, long requests, long succeeded,
                             long dead, long waiting, long inBatches, long batches, long inputTokens, long outputTokens,
                             BigDecimal costUsd, String error, Instant createdAt, Instant finishedAt,
                             long syntheticAnswers, String mode, long cancelled, Instant cancelledAt,
                             String modeReason, Instant deadlineAt) {

        public boolean finished() {
            return !status.equals("receiving") && !status.equals("active");
        }
    }

    /**
     * What became of a job's requests: in all, answered from the row cache, newly answered by the provider, failed
     * (dead-lettered), and the share of them that succeeded.
     */
    public record AnswerSummary(long total, long cacheHits, long newlyAnswered, long failed, double successRate) {
    }

    public record BatchSummary(long id, String provider, String model, String state, String providerBatchId,
                               String providerStatus, int requests, int completed, int failed, long estimatedTokens,
                               String error, Instant createdAt, Instant finishedAt, boolean synthetic) {
    }

    /** Requests of a job that wait because their provider is held (provider_holds), a day's budget or a daily cap. */
    public record Hold(String provider, String reason, Instant since, long requests) {
    }

    public record Problem(long line, String reason) {
    }

    /**
     * What is known of a model's enqueued-token quota (issue #17): the configured quota (0: none) and the limit a
     * refusal stated (null: none), how many prompt tokens the provider counts per token of our estimate (null: no usage
     * seen yet), the batch size refusals left (null: none), and the requests held for it with their tokens by our
     * count and by the provider's, beside the tokens in flight.
     */
    public record QuotaState(String provider, String model, long configured, Long learned, Instant learnedAt,
                             Double providerFactor, Long maxBatchTokens, Instant waitingSince, Instant heldSince,
                             long heldRequests, long heldOurTokens, long heldProviderTokens, long inFlightTokens,
                             Instant lastProgressAt) {

        /** The quota packing obeys: the stated limit, else the configured one (0: none). */
        public long quota() {
            return learned != null ? learned : configured;
        }
    }

    /** Rows a job wrote into one of the task tables. */
    public record OutputRows(String table, long rows) {
    }

    /** A {@code batchpipe run} instance whose clustered scheduler checked in lately, and when. */
    public record LiveInstance(String name, Instant lastCheckIn) {
    }

    // a closed job's counts as JobCompletion froze them (job_totals), an open job's counted now (job_counts, V22)
    private static final String JOB_SQL = """
            SELECT j.id, j.task, j.source, j.source_kind, j.schedule, j.mode,
                   CASE WHEN j.status = 'partial' AND n.succeeded = 0 THEN 'failed' ELSE j.status END AS status,
                   j.priority, j.items_accepted, j.items_duplicate, j.lines_rejected, j.error, j.created_at,
                   j.finished_at, j.cancelled_at, j.mode_reason, j.deadline_at, n.*
            FROM jobs j,
                 LATERAL (SELECT t.requests, t.succeeded, t.dead, t.waiting, t.in_batches, t.cancelled,
                                 t.input_tokens, t.output_tokens, t.cost, t.batches, t.synthetic_answers
                          FROM job_totals t WHERE t.job_id = j.id
                          UNION ALL
                          SELECT c.* FROM job_counts(j.id) c
                          WHERE NOT EXISTS (SELECT 1 FROM job_totals t WHERE t.job_id = j.id)) n
            """;

    public Optional<JobSummary> job(long id) {
        return query(JOB_SQL + " WHERE j.id = ?", JobReports::summary, id).stream().findFirst();
    }

    public List<JobSummary> recentJobs(int limit) {
        return query(JOB_SQL + " ORDER BY j.id DESC LIMIT ?", JobReports::summary, limit);
    }

    /** Which jobs to list; a null field does not filter. {@code before}: only jobs older than this id (a page). */
    public record JobFilter(String task, String status, Instant since, String mode, Long before) {
    }

    /** Jobs that pass the filter, newest first. A status is the one shown (a partial job with no success is failed). */
    public List<JobSummary> jobs(JobFilter f, int limit) {
        return query("SELECT * FROM (" + JOB_SQL + " WHERE (CAST(? AS text) IS NULL OR j.task = ?)"
                        + " AND (CAST(? AS timestamptz) IS NULL OR j.created_at >= ?)"
                        + " AND (CAST(? AS text) IS NULL OR j.mode = ?) AND (CAST(? AS bigint) IS NULL OR j.id < ?)"
                        + ") s WHERE (CAST(? AS text) IS NULL OR s.status = ?) ORDER BY s.id DESC LIMIT ?",
                JobReports::summary, f.task(), f.task(), timestamp(f.since()), timestamp(f.since()), f.mode(), f.mode(),
                f.before(), f.before(), f.status(), f.status(), limit);
    }

    /** The job's answer summary; cache hits are counted from its results, the rest is the job's counts. */
    public AnswerSummary answerSummary(JobSummary j) {
        long hits = query("SELECT count(*) FROM results s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ? AND s.cached_from IS NOT NULL", rs -> rs.getLong(1), j.id()).get(0);
        return new AnswerSummary(j.requests(), hits, j.succeeded() - hits, j.dead(),
                j.requests() == 0 ? 1.0 : (double) j.succeeded() / j.requests());
    }

    /**
     * The job's batches. Once a batch is ingested, done and failed are what we made of its answers (an answer that
     * failed the schema is failed, whatever the provider counted); before, the provider's own counts.
     */
    public List<BatchSummary> batches(long jobId) {
        return query("""
                        SELECT b.id, b.provider, b.model, b.state, b.provider_batch_id, b.provider_status, b.request_count,
                               CASE WHEN b.state = 'ingested' THEN w.written ELSE coalesce(b.completed_count, 0) END,
                               CASE WHEN b.state = 'ingested' THEN w.items - w.written
                                    ELSE coalesce(b.failed_count, 0) END,
                               b.estimated_tokens, b.error,
                               b.created_at, coalesce(b.ingested_at, b.finished_at), b.synthetic
                        FROM batches b,
                             LATERAL (SELECT count(*)::int AS written,
                                     (SELECT count(*)::int FROM request_submissions s WHERE s.batch_id = b.id) AS items
                                     FROM results r WHERE r.batch_id = b.id) w
                        WHERE b.id IN (SELECT s.batch_id FROM request_submissions s JOIN requests q ON q.id = s.request_id
                                       WHERE q.job_id = ?)
                        ORDER BY b.id""",
                rs -> new BatchSummary(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7), rs.getInt(8), rs.getInt(9), rs.getLong(10),
                        rs.getString(11), instant(rs.getTimestamp(12)), instant(rs.getTimestamp(13)), rs.getBoolean(14)),
                jobId);
    }

    /**
     * The job's pending requests whose provider a service holds, per provider; those a day's budget holds
     * (budget_holds, written by packing), per provider and budget; those the enqueued-token quota holds; and the
     * realtime ones a daily cap pauses.
     */
    public List<Hold> holds(long jobId) {
        return query("SELECT p.provider, p.reason, p.since, count(*) FROM requests r "
                        + "JOIN provider_holds p ON p.provider = r.provider WHERE r.job_id = ? AND r.state = 'pending' "
                        + "GROUP BY p.provider, p.reason, p.since "
                        + "UNION ALL " + BUDGET_HOLDS + " UNION ALL " + QUOTA_HOLDS + " UNION ALL " + DAILY_CAP_PAUSES
                        + " ORDER BY 1",
                rs -> new Hold(rs.getString(1), rs.getString(2), instant(rs.getTimestamp(3)), rs.getLong(4)), jobId, jobId,
                jobId, jobId);
    }

    /** The models batchpipe knows something of beyond having no quota: configured, stated, calibrated or held. */
    public List<QuotaState> quotas() {
        return query("""
                        SELECT e.provider, e.model, e.configured, e.learned, e.learned_at,
                               c.provider_tokens / nullif(c.our_tokens, 0), e.max_batch_tokens, e.waiting_since,
                               e.held_since, coalesce(w.requests, 0), coalesce(w.our_tokens, 0),
                               coalesce(w.provider_tokens, 0),
                               (SELECT coalesce(sum(l.tokens), 0) FROM quota_ledger l WHERE l.provider = e.provider
                                  AND l.model = e.model AND l.released_at IS NULL),
                               e.last_progress_at
                        FROM enqueued_quotas e
                        LEFT JOIN token_calibration c ON c.provider = e.provider AND c.model = e.model
                        LEFT JOIN quota_waits w ON w.provider = e.provider AND w.model = e.model
                        WHERE e.configured > 0 OR e.learned IS NOT NULL OR c.lines > 0 OR e.held_since IS NOT NULL
                        ORDER BY e.provider, e.model""",
                rs -> new QuotaState(rs.getString(1), rs.getString(2), rs.getLong(3), (Long) rs.getObject(4),
                        instant(rs.getTimestamp(5)), (Double) rs.getObject(6), (Long) rs.getObject(7),
                        instant(rs.getTimestamp(8)), instant(rs.getTimestamp(9)), rs.getLong(10), rs.getLong(11),
                        rs.getLong(12), rs.getLong(13), instant(rs.getTimestamp(14))));
    }

    // requests held for their model's enqueued-token quota (enqueued_quotas.held_since, set by packing), with the
    // numbers: ours, the provider's (ours times the learned factor), the limit
    private static final String QUOTA_HOLDS = """
            SELECT r.provider, 'the enqueued-token quota of ' || r.model || ': '
                       || to_char(sum(r.estimated_tokens), 'FM999,999,999,990') || ' tokens by our count, '
                       || to_char(ceil(sum(r.estimated_tokens) * greatest(1.0,
                            coalesce(c.provider_tokens / nullif(c.our_tokens, 0), 1.0))), 'FM999,999,999,990')
                       || ' as the provider counts them; limit '
                       || coalesce(to_char(e.learned, 'FM999,999,999,990') || ' (stated by the provider in a refusal)',
                                   to_char(nullif(e.configured, 0), 'FM999,999,999,990'), 'not known')
                       || CASE WHEN e.waiting_since IS NOT NULL THEN '; waiting for a batch in flight to finish' ELSE '' END,
                   e.held_since, count(*)
            FROM requests r JOIN enqueued_quotas e ON e.provider = r.provider AND e.model = r.model
            LEFT JOIN token_calibration c ON c.provider = r.provider AND c.model = r.model
            WHERE r.job_id = ? AND r.state = 'pending' AND e.held_since IS NOT NULL
            GROUP BY r.provider, r.model, e.learned, e.configured, e.waiting_since, e.held_since, c.provider_tokens,
                     c.our_tokens""";

    private static final String BUDGET_HOLDS = """
            SELECT r.provider, 'the day''s budget of $' || trim_scale(h.budget_usd)
                       || CASE WHEN h.scope = '*' THEN ' (BATCHPIPE_BUDGET_USD_PER_DAY)' ELSE ' for ' || h.scope END
                       || ' is used ($' || trim_scale(round(h.committed_usd, 4)) || ' committed); they go from '
                       || to_char(h.until AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' UTC',
                   h.held_at, count(*)
            FROM requests r JOIN budget_holds h ON (h.scope = r.task OR h.scope = '*') AND h.until > now()
            WHERE r.job_id = ? AND r.state = 'pending'
            GROUP BY r.provider, h.scope, h.budget_usd, h.committed_usd, h.until, h.held_at""";

    /** Realtime requests paused by a daily cap reached (daily_requests, V16), until the next UTC day. */
    private static final String DAILY_CAP_PAUSES = """
            SELECT r.provider, 'the daily cap of ' || d.cap || ' realtime requests '
                       || CASE WHEN d.scope LIKE 'task:%' THEN 'of task ' || substr(d.scope, 6) ELSE 'for ' || d.scope END
                       || ' is reached; they go on from ' || to_char(d.day + 1, 'YYYY-MM-DD') || ' 00:00 UTC',
                   max(d.counted_at), count(*)
            FROM requests r JOIN jobs j ON j.id = r.job_id AND j.mode = 'realtime'
            JOIN daily_requests d ON d.scope IN (r.provider || '/' || r.model, 'task:' || r.task) AND d.requests >= d.cap
                 AND (d.day + 1) > (now() AT TIME ZONE 'UTC')::date
            WHERE r.job_id = ? AND r.state = 'pending'
            GROUP BY r.provider, d.scope, d.cap, d.day""";

    /** The first rejected lines of a job's input. */
    public List<Problem> inputErrors(long jobId, int limit) {
        return query("SELECT line, reason FROM input_errors WHERE job_id = ? ORDER BY line LIMIT ?",
                rs -> new Problem(rs.getLong(1), rs.getString(2)), jobId, limit);
    }

    /** Open dead letters of a job: the item's line and the reason. */
    public List<Problem> deadLetters(long jobId, int limit) {
        return query("SELECT coalesce(i.line, 0), d.reason FROM dead_letters d "
                        + "JOIN requests r ON r.id = d.request_id JOIN items i ON i.id = r.item_id "
                        + "WHERE d.job_id = ? AND d.replayed_at IS NULL ORDER BY d.id LIMIT ?",
                rs -> new Problem(rs.getLong(1), rs.getString(2)), jobId, limit);
    }

    /** The provider-side states of the job's batches still at the provider (validating, in_progress, finalizing...). */
    public List<String> providerStates(long jobId) {
        return query("""
                        SELECT DISTINCT coalesce(b.provider_status, b.state) FROM batches b
                        WHERE b.state NOT IN ('ingested') AND b.id IN (SELECT s.batch_id FROM request_submissions s
                              JOIN requests q ON q.id = s.request_id WHERE q.job_id = ?)
                        ORDER BY 1""", rs -> rs.getString(1), jobId);
    }

    /**
     * Rows the job wrote, per task table. A task table is any table whose {@code request_id} references
     * {@code requests} (the lineage every output row carries), other than the job model's own tables.
     */
    public List<OutputRows> outputRows(long jobId) {
        return connections.with(c -> {
            List<String> tables = list(c, """
                            SELECT c.conrelid::regclass::text FROM pg_constraint c
                            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                            WHERE c.contype = 'f' AND c.confrelid = 'requests'::regclass AND a.attname = 'request_id'
                              AND c.conrelid::regclass::text NOT IN ('results', 'request_submissions', 'dead_letters',
                                                                     'row_cache')
                            ORDER BY 1""", rs -> rs.getString(1));
            List<OutputRows> rows = new ArrayList<>();
            for (String table : tables) {
                long n = list(c, "SELECT count(*) FROM " + table
                        + " WHERE request_id IN (SELECT id FROM requests WHERE job_id = ?)", rs -> rs.getLong(1), jobId).get(0);
                if (n > 0) {
                    rows.add(new OutputRows(table, n));
                }
            }
            return rows;
        });
    }

    /**
     * The {@code batchpipe run} instances alive on this database: their clustered Quartz scheduler checks in every few
     * seconds (qrtz_scheduler_state); one silent for three intervals is gone. One-shot commands keep their scheduler
     * in memory, so they never count.
     */
    public List<LiveInstance> liveInstances() {
        return query("""
                        SELECT instance_name, last_checkin_time FROM qrtz_scheduler_state
                        WHERE sched_name = 'batchpipe'
                          AND last_checkin_time > extract(epoch FROM now()) * 1000 - 3 * greatest(checkin_interval, 1000)
                        ORDER BY instance_name""",
                rs -> new LiveInstance(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2))));
    }

    private static JobSummary summary(ResultSet rs) throws SQLException {
        return new JobSummary(rs.getLong("id"), rs.getString("task"),
                located(rs.getString("source_kind"), rs.getString("source"), rs.getLong("id")), rs.getString("status"),
                rs.getString("schedule"), rs.getInt("priority"), rs.getLong("items_accepted"),
                rs.getLong("items_duplicate"), rs.getLong("lines_rejected"), rs.getLong("requests"),
                rs.getLong("succeeded"), rs.getLong("dead"), rs.getLong("waiting"), rs.getLong("in_batches"),
                rs.getLong("batches"), rs.getLong("input_tokens"), rs.getLong("output_tokens"), rs.getBigDecimal("cost"),
                rs.getString("error"), instant(rs.getTimestamp("created_at")), instant(rs.getTimestamp("finished_at")),
                rs.getLong("synthetic_answers"), rs.getString("mode"), rs.getLong("cancelled"),
                instant(rs.getTimestamp("cancelled_at")), rs.getString("mode_reason"),
                instant(rs.getTimestamp("deadline_at")));
    }

    /**
     * Where an input file is now: the inbox moves a file it took in to {@code done/<job>-<name>} (or
     * {@code rejected/}) beside it, so the path recorded at intake no longer names it.
     */
    static String located(String kind, String source, long jobId) {
        if (!kind.equals("file") || source == null) {
            return source;
        }
        Path recorded = Path.of(source);
        if (recorded.getFileName() == null || Files.exists(recorded)) {
            return source;
        }
        for (String folder : List.of("done", "rejected")) {
            Path moved = recorded.resolveSibling(folder).resolve(jobId + "-" + recorded.getFileName());
            if (Files.exists(moved)) {
                return moved.toString();
            }
        }
        return source;
    }

    private static java.sql.Timestamp timestamp(Instant i) {
        return i == null ? null : java.sql.Timestamp.from(i);
    }

    private static Instant instant(java.sql.Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
