package dev.batchpipe.pipeline;

import java.io.Closeable;
import java.util.Iterator;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.result.ResultIterator;

/**
 * Every request due for packing, streamed from a cursor (the heap does not grow with the backlog), grouped by provider,
 * model and endpoint, and within a group by priority (higher first), then age.
 */
public final class PendingRequests {

    private static final String DUE = """
            SELECT r.id, r.task, r.template, r.provider, r.model, r.endpoint, r.estimated_tokens, r.submissions,
                   i.payload::text, coalesce(q.tokens, 0), coalesce(b.requests, 0)
            FROM requests r JOIN items i ON i.id = r.item_id JOIN jobs j ON j.id = r.job_id
            LEFT JOIN (SELECT provider, model, sum(tokens) AS tokens FROM quota_ledger WHERE released_at IS NULL
                       GROUP BY provider, model) q ON q.provider = r.provider AND q.model = r.model
            LEFT JOIN (SELECT provider, sum(request_count) AS requests FROM batches
                       WHERE state IN ('packed', 'uploaded', 'creating', 'submitted') GROUP BY provider) b
                   ON b.provider = r.provider
            WHERE r.state = 'pending' AND (r.not_before IS NULL OR r.not_before <= now()) AND j.status <> 'receiving'
            ORDER BY r.provider, r.model, r.endpoint, r.priority DESC, r.id""";

    private final Jdbi jdbi;

    public PendingRequests(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The due requests; closing the stream (the splitter does, at its end) releases the connection. */
    public Stream open() {
        Handle h = jdbi.open();
        try {
            h.begin(); // PostgreSQL reads with a cursor only inside a transaction
            return new Stream(h, h.createQuery(DUE).setFetchSize(500)
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
