package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderLimits;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.result.ResultIterator;

/**
 * The requests due for packing, streamed from a cursor (the heap does not grow with the backlog), grouped by provider,
 * model and endpoint, and within a group by priority (higher first), then age; each counted the way its provider
 * counts (the calibrated factor and the margin, {@link TokenCalibration}) and with what its account had in flight and
 * may take when they were read ({@link EnqueuedQuotas}). Opening it also records which models' requests are held for
 * quota ({@code enqueued_quotas.held_since}), for status, the API and the alert.
 */
public final class PendingRequests {

    // What every due request counts and what its model may take: the quota (a limit the provider stated wins over the
    // configured one), the calibrated factor (provider's tokens per token of ours, never below 1) times the margin, the
    // batch size after refusals, and whether the model waits for a batch in flight to finish.
    private static final String GROUPS = """
            WITH in_flight AS (
                SELECT provider, model, sum(tokens) AS tokens FROM quota_ledger WHERE released_at IS NULL
                GROUP BY provider, model),
            queued AS (
                SELECT provider, sum(request_count) AS requests FROM batches
                WHERE state IN ('packed', 'uploaded', 'creating', 'submitted') GROUP BY provider),
            caps AS (
                SELECT c.provider, c.model, coalesce(e.learned, c.quota) AS quota, c.max_queued,
                       coalesce(e.max_batch_tokens, 0) AS batch_tokens,
                       e.waiting_since IS NOT NULL AND coalesce(f.tokens, 0) > 0 AS waiting, coalesce(f.tokens, 0) AS in_flight,
                       greatest(1.0, coalesce(t.provider_tokens / nullif(t.our_tokens, 0), 1.0)) * :margin AS factor
                FROM unnest(:providers, :models, :quotas, :maxQueued) AS c(provider, model, quota, max_queued)
                LEFT JOIN enqueued_quotas e ON e.provider = c.provider AND e.model = c.model
                LEFT JOIN token_calibration t ON t.provider = c.provider AND t.model = c.model
                LEFT JOIN in_flight f ON f.provider = c.provider AND f.model = c.model),
            """;

    // Rows the account's budget cannot reach in this packing are not read at all: the enqueued tokens (and the queue
    // places) taken by the requests ahead in the group already fill what is left, so they would wait anyway. A
    // request larger than the whole quota does not count against the others (it is dead-lettered, or goes alone when
    // the quota is one the provider stated). A model that waits for a batch in flight to finish is not read. The
    // committed chunks of a job still being taken in are due too: the provider starts on them while intake goes on
    // (each request is batched once, BatchRecorder; the job closes only once received, JobCompletion).
    private static final String DUE = GROUPS + """
            due AS (
                SELECT r.id, r.task, r.template, r.provider, r.model, r.endpoint, r.submissions, r.item_id, r.priority, r.alone,
                       ceil(r.estimated_tokens * coalesce(c.factor, 1.0))::int AS tokens,
                       coalesce(c.in_flight, 0) AS in_flight, coalesce(c.quota, 0) AS quota,
                       coalesce(c.max_queued, 0) AS max_queued, coalesce(c.batch_tokens, 0) AS batch_tokens
                FROM requests r JOIN jobs j ON j.id = r.job_id
                LEFT JOIN caps c ON c.provider = r.provider AND c.model = r.model
                WHERE r.state = 'pending' AND (r.not_before IS NULL OR r.not_before <= now())
                  AND j.mode = 'batch' AND NOT coalesce(c.waiting, false)
                  AND r.provider <> ALL(:held)),
            ranked AS (
                SELECT d.*, coalesce(q.requests, 0) AS queued,
                       sum(x.counted) OVER w - x.counted AS tokens_ahead, row_number() OVER w - 1 AS requests_ahead
                FROM due d
                LEFT JOIN queued q ON q.provider = d.provider
                CROSS JOIN LATERAL (SELECT CASE WHEN d.quota > 0 AND d.tokens > d.quota THEN 0
                                                ELSE d.tokens END AS counted) x
                WINDOW w AS (PARTITION BY d.provider, d.model, d.endpoint ORDER BY d.priority DESC, d.id))
            SELECT k.id, k.task, k.template, k.provider, k.model, k.endpoint, k.tokens, k.submissions,
                   i.payload::text, k.in_flight, k.queued, k.quota, k.batch_tokens, k.alone
            FROM ranked k JOIN items i ON i.id = k.item_id
            WHERE (k.quota = 0 OR k.in_flight + k.tokens_ahead < k.quota)
              AND (k.max_queued = 0 OR k.queued + k.requests_ahead < k.max_queued)
            ORDER BY k.provider, k.model, k.endpoint, k.priority DESC, k.id""";

    // Each model's row in enqueued_quotas, with the quota configured now. An operator who changes the configured quota
    // (after the account's tier changed, say) replaces the limit learned from a refusal.
    private static final String QUOTAS = """
            INSERT INTO enqueued_quotas AS e (provider, model, configured)
            SELECT provider, model, quota FROM unnest(:providers, :models, :quotas) AS c(provider, model, quota)
            ON CONFLICT (provider, model) DO UPDATE SET configured = excluded.configured,
                learned = CASE WHEN e.configured = excluded.configured THEN e.learned END,
                learned_from = CASE WHEN e.configured = excluded.configured THEN e.learned_from END,
                learned_at = CASE WHEN e.configured = excluded.configured THEN e.learned_at END""";

    // Since when a model's requests are held for quota: some wait (not overnight) while its packing waits for a batch
    // to finish, or they do not all fit in what is left of the quota, or one was refused and backs off. Cleared when
    // none are held.
    private static final String HELD = GROUPS + """
            waiting AS (
                SELECT r.provider, r.model, sum(ceil(r.estimated_tokens * c.factor)) AS tokens,
                       bool_or(r.not_before > now() AND r.last_error LIKE 'provider quota:%') AS backing_off
                FROM requests r JOIN jobs j ON j.id = r.job_id
                JOIN caps c ON c.provider = r.provider AND c.model = r.model
                WHERE r.state = 'pending' AND j.mode = 'batch' AND (r.not_before IS NULL OR r.not_before < 'infinity')
                GROUP BY r.provider, r.model),
            held AS (
                SELECT c.provider, c.model FROM caps c JOIN waiting w ON w.provider = c.provider AND w.model = c.model
                WHERE c.quota > 0 AND (c.waiting OR w.backing_off OR c.in_flight + w.tokens > c.quota))
            UPDATE enqueued_quotas e SET held_since = CASE WHEN EXISTS (
                    SELECT 1 FROM held h WHERE h.provider = e.provider AND h.model = e.model)
                THEN coalesce(e.held_since, now()) END
            WHERE e.held_since IS NOT NULL OR (e.provider, e.model) IN (SELECT provider, model FROM caps)""";

    private final Jdbi jdbi;
    private final Function<String, Optional<ProviderLimits>> limits;
    private final List<String> held;
    private final double margin;

    /**
     * {@code limits}: a provider's limits by name, empty for a provider not configured; {@code held}: providers whose
     * requests wait (no key, and the sandbox may not answer them: the service said why at start); {@code margin}: the
     * safety margin on the calibrated count (1.05: 5% more).
     */
    public PendingRequests(Jdbi jdbi, Function<String, Optional<ProviderLimits>> limits, Collection<String> held,
                           double margin) {
        if (!(margin >= 1)) {
            throw new IllegalArgumentException("batchpipe.quota.margin must be at least 1");
        }
        this.jdbi = jdbi;
        this.limits = limits;
        this.held = List.copyOf(held);
        this.margin = margin;
    }

    /** The due requests; closing the stream (the splitter does, at its end) releases the connection. */
    public Stream open() {
        Handle h = jdbi.open();
        try {
            h.begin(); // PostgreSQL reads with a cursor only inside a transaction
            List<String[]> groups = h.createQuery("SELECT DISTINCT provider, model FROM requests WHERE state = 'pending'")
                    .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)}).list();
            List<String> names = new ArrayList<>();
            List<String> models = new ArrayList<>();
            List<Long> quotas = new ArrayList<>();
            List<Long> maxQueued = new ArrayList<>();
            for (String[] g : groups) {
                limits.apply(g[0]).ifPresent(l -> {
                    names.add(g[0]);
                    models.add(g[1]);
                    quotas.add(l.enqueuedTokens(g[1]));
                    maxQueued.add((long) l.maxQueuedRequests());
                });
            }
            h.createUpdate(QUOTAS).bindArray("providers", String.class, names).bindArray("models", String.class, models)
                    .bindArray("quotas", Long.class, quotas).execute();
            h.createUpdate(HELD).bindArray("providers", String.class, names).bindArray("models", String.class, models)
                    .bindArray("quotas", Long.class, quotas).bindArray("maxQueued", Long.class, maxQueued)
                    .bind("margin", margin).execute();
            h.commit(); // what is held is for everyone to see; the cursor below needs a transaction of its own
            h.begin();
            return new Stream(h, h.createQuery(DUE).setFetchSize(500)
                    .bindArray("providers", String.class, names).bindArray("models", String.class, models)
                    .bindArray("quotas", Long.class, quotas).bindArray("maxQueued", Long.class, maxQueued)
                    .bindArray("held", String.class, held).bind("margin", margin)
                    .map((rs, ctx) -> new PendingRequest(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getInt(7), rs.getInt(8), rs.getString(9), rs.getLong(10),
                            rs.getLong(11), rs.getLong(12), rs.getLong(13), rs.getBoolean(14)))
                    .iterator());
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
    }

    /** Due requests read from an open cursor. */
    public static final class Stream implements Iterator<PendingRequest>, Closeable {

        private final Handle handle;
        private final ResultIterator<PendingRequest> rows;

        private Stream(Handle handle, ResultIterator<PendingRequest> rows) {
            this.handle = handle;
            this.rows = rows;
        }

        @Override
        public boolean hasNext() {
            return rows.hasNext();
        }

        @Override
        public PendingRequest next() {
            return rows.next();
        }

        @Override
        public void close() {
            try {
                rows.close();
                handle.rollback(); // read only
            } finally {
                handle.close();
            }
        }
    }
}
