package dev.batchpipe.pipeline;

import java.util.Collection;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the requests an intake chunk just created from the row cache, in the chunk's transaction: a request that
 * the cache answers is written by the ingest's own writer and is succeeded before any claim can see it, so it is never
 * sent; the others stay pending for the provider.
 */
public final class CachedAnswers {

    private static final Logger LOG = LoggerFactory.getLogger(CachedAnswers.class);

    private final RowCache cache;
    private final ResultIngester ingester;

    public CachedAnswers(RowCache cache, ResultIngester ingester) {
        this.cache = cache;
        this.ingester = ingester;
    }

    /** Serves what it can of the requests of job {@code jobId} for the new items {@code itemIds}; returns how many. */
    public int serve(Handle h, long jobId, Collection<Long> itemIds) {
        int served = 0;
        for (RowCache.Hit hit : cache.hits(h, jobId, itemIds)) {
            if (ingester.writeCacheHit(h, hit)) {
                served++;
            }
        }
        if (served > 0) {
            LOG.info("Job {}: {} request(s) answered from the row cache, with no call", jobId, served);
        }
        return served;
    }
}
