package dev.batchpipe.pipeline;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns, per provider and model, how many prompt tokens the provider counts for each token of our estimate: after a
 * batch's lines are written, the provider's own count of them (the usage of each result line: prompt_tokens,
 * input_tokens, promptTokenCount; or, as soon as the batch ends, the usage of the batch object where it has one,
 * OpenAI's {@code usage.input_tokens}, kept in {@code batches.reported_tokens}, for a batch that answered every
 * request) beside our estimates of the same requests, added to decayed sums in
 * {@code token_calibration} so recent batches weigh most. Packing multiplies our estimates by the factor (never below
 * 1) and a safety margin ({@link PendingRequests}). Each batch counts once: its own count is kept in
 * {@code batches.provider_tokens}, so an ingest run again after a crash calibrates nothing twice.
 */
public final class TokenCalibration {

    private static final Logger LOG = LoggerFactory.getLogger(TokenCalibration.class);

    private final Jdbi jdbi;
    private final double decay;

    /** {@code decay}: the weight left to what was learned before, at each batch (0.8: recent batches weigh most). */
    public TokenCalibration(Jdbi jdbi, double decay) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("batchpipe.quota.calibration-decay must be at least 0 and below 1");
        }
        this.jdbi = jdbi;
        this.decay = decay;
    }

    /**
     * Adds the batch to its model's calibration, once: when it ends, from its batch object's usage (if it has one and
     * every request was answered), else after its lines are written, from theirs.
     */
    public void record(long batchId) {
        jdbi.useTransaction(h -> h.createQuery("""
                        WITH lines AS (
                            SELECT b.provider, b.model, sum(r.estimated_tokens)::float8 AS ours,
                                   sum(s.input_tokens)::float8 AS theirs, count(*) AS lines
                            FROM batches b JOIN results s ON s.batch_id = b.id JOIN requests r ON r.id = s.request_id
                            WHERE b.id = :id AND b.provider_tokens IS NULL AND s.input_tokens > 0
                            GROUP BY b.provider, b.model),
                        whole AS (
                            SELECT b.provider, b.model, sum(r.estimated_tokens)::float8 AS ours,
                                   max(b.reported_tokens)::float8 AS theirs, count(*) AS lines
                            FROM batches b JOIN request_submissions s ON s.batch_id = b.id
                            JOIN requests r ON r.id = s.request_id
                            WHERE b.id = :id AND b.provider_tokens IS NULL AND b.reported_tokens > 0
                              AND b.failed_count = 0 AND b.completed_count = b.request_count
                            GROUP BY b.provider, b.model),
                        counted AS (
                            SELECT * FROM lines
                            UNION ALL
                            SELECT * FROM whole WHERE NOT EXISTS (SELECT 1 FROM lines)),
                        marked AS (
                            UPDATE batches SET provider_tokens = (SELECT theirs FROM counted)::bigint
                            WHERE id = :id AND provider_tokens IS NULL AND EXISTS (SELECT 1 FROM counted) RETURNING id)
                        INSERT INTO token_calibration AS t (provider, model, our_tokens, provider_tokens, lines)
                        SELECT provider, model, ours, theirs, lines FROM counted WHERE EXISTS (SELECT 1 FROM marked)
                        ON CONFLICT (provider, model) DO UPDATE SET
                            our_tokens = t.our_tokens * :decay + excluded.our_tokens,
                            provider_tokens = t.provider_tokens * :decay + excluded.provider_tokens,
                            lines = t.lines + excluded.lines, updated_at = now()
                        RETURNING provider, model, provider_tokens / nullif(our_tokens, 0)""")
                .bind("id", batchId).bind("decay", decay)
                .map((rs, ctx) -> String.format("%s %s: the provider counts %.2f tokens for each of our estimate "
                        + "(after batch %d)", rs.getString(1), rs.getString(2), rs.getDouble(3), batchId))
                .forEach(LOG::debug));
    }
}
