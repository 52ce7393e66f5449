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
 * model and endpoint, and within a group by priority (higher first), then age; each with what its account had in
 * flight when they were read.
 */
public final class PendingRequests {

    // Rows the account's budget cannot reach in this packing are not read at all: the enqueued tokens (and the queue
    // places) taken by the requests ahead in the group already fill what is left, so they would wait anyway. A
    // request larger than the whole quota does not count against the others (it is dead-lettered).
    private static final String DUE = """
            WITH due AS (
                SELECT r.id, r.task, r.template, r.provider, r.model, r.endpoint, r.estimated_tokens, r.submissions,
                       r.item_id, r.priority
                FROM requests r JOIN jobs j ON j.id = r.job_id
                WHERE r.state = 'pending' AND (r.not_before IS NULL OR r.not_before <= now()) AND j.status <> 'receiving'
                  AND j.mode = 'batch'
                  AND r.provider <> ALL(:held)),
            in_flight AS (
                SELECT provider, model, sum(tokens) AS tokens FROM quota_ledger WHERE released_at IS NULL
                GROUP BY provider, model),
            queued AS (
                SELECT provider, sum(request_count) AS requests FROM batches
                WHERE state IN ('packed', 'uploaded', 'creating', 'submitted') GROUP BY provider),
            caps AS (
                SELECT * FROM unnest(:providers, :models, :quotas, :maxQueued) AS c(provider, model, quota, max_queued)),
            ranked AS (
                SELECT d.*, coalesce(f.tokens, 0) AS in_flight, coalesce(q.requests, 0) AS queued,
                       coalesce(c.quota, 0) AS quota, coalesce(c.max_queued, 0) AS max_queued,
                       sum(x.counted) OVER w - x.counted AS tokens_ahead, row_number() OVER w - 1 AS requests_ahead
                FROM due d
                LEFT JOIN in_flight f ON f.provider = d.provider AND f.model = d.model
                LEFT JOIN queued q ON q.provider = d.provider
                LEFT JOIN caps c ON c.provider = d.provider AND c.model = d.model
                CROSS JOIN LATERAL (SELECT CASE WHEN c.quota > 0 AND d.estimated_tokens > c.quota THEN 0
                                                ELSE d.estimated_tokens END AS counted) x
                WINDOW w AS (PARTITION BY d.provider, d.model, d.endpoint ORDER BY d.priority DESC, d.id))
            SELECT k.id, k.task, k.template, k.provider, k.model, k.endpoint, k.estimated_tokens, k.submissions,
                   i.payload::text, k.in_flight, k.queued
            FROM ranked k JOIN items i ON i.id = k.item_id
            WHERE (k.quota = 0 OR k.in_flight + k.tokens_ahead < k.quota)
              AND (k.max_queued = 0 OR k.queued + k.requests_ahead < k.max_queued)
            ORDER BY k.provider, k.model, k.endpoint, k.priority DESC, k.id""";

    private final Jdbi jdbi;
    private final Function<String, Optional<ProviderLimits>> limits;
    private final List<String> held;

    /**
     * {@code limits}: a provider's limits by name, empty for a provider not configured; {@code held}: providers whose
     * requests wait (no key, and the sandbox may not answer them: the service said why at start).
     */
    public PendingRequests(Jdbi jdbi, Function<String, Optional<ProviderLimits>> limits, Collection<String> held) {
        this.jdbi = jdbi;
        this.limits = limits;
        this.held = List.copyOf(held);
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
            return new Stream(h, h.createQuery(DUE).setFetchSize(500)
                    .bindArray("providers", String.class, names).bindArray("models", String.class, models)
                    .bindArray("quotas", Long.class, quotas).bindArray("maxQueued", Long.class, maxQueued)
                    .bindArray("held", String.class, held)
                    .map((rs, ctx) -> new PendingRequest(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getInt(7), rs.getInt(8), rs.getString(9), rs.getLong(10),
                            rs.getLong(11)))
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
