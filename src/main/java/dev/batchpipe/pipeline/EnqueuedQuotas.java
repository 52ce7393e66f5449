package dev.batchpipe.pipeline;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What batchpipe knows of a model's enqueued-token quota beyond its settings, in {@code enqueued_quotas} (shared by
 * every instance, kept across restarts): the limit a refusal stated, the batch size after refusals with nothing in
 * flight, and whether packing waits for a batch in flight to finish. Always inside the caller's transaction.
 */
public final class EnqueuedQuotas {

    private static final Logger LOG = LoggerFactory.getLogger(EnqueuedQuotas.class);

    // OpenAI "Limit: 90,000 enqueued tokens"; Anthropic-like "exceeds your organization's limit of 90000"; Gemini-like
    // "would exceed the limit of 90000"
    private static final Pattern STATED = Pattern.compile("(?i)\\blimit(?:\\s+of|:)\\s*([0-9][0-9,]*)");

    private EnqueuedQuotas() {
    }

    /** The limit a refusal's message states, if it states one. */
    public static OptionalLong statedLimit(String message) {
        Matcher m = STATED.matcher(message == null ? "" : message);
        if (!m.find()) {
            return OptionalLong.empty();
        }
        try {
            long limit = Long.parseLong(m.group(1).replace(",", ""));
            return limit > 0 ? OptionalLong.of(limit) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The quota packing obeys: the limit the provider stated, else the configured one (0: none). */
    public static long limit(Handle h, String provider, String model, long configured) {
        return h.createQuery("SELECT learned FROM enqueued_quotas WHERE provider = :p AND model = :m AND learned > 0")
                .bind("p", provider).bind("m", model).mapTo(Long.class).findOne().orElse(configured);
    }

    /** Remembers the limit a refusal stated; said once in the log, when it is new. */
    public static void learn(Handle h, String provider, String model, long limit, String message) {
        ensure(h, provider, model);
        int changed = h.createUpdate("UPDATE enqueued_quotas SET learned = :l, learned_from = :msg, learned_at = now() "
                        + "WHERE provider = :p AND model = :m AND learned IS DISTINCT FROM :l")
                .bind("l", limit).bind("msg", message).bind("p", provider).bind("m", model).execute();
        if (changed > 0) {
            LOG.warn("{} {}: learned an enqueued-token quota of {} tokens from the provider's refusal; packing keeps "
                    + "under it from now on (batchpipe status shows it)", provider, model, String.format("%,d", limit));
        }
    }

    /** Refused while other batches were in flight: packing of the model waits until one of them finishes. */
    public static void waitForFinish(Handle h, String provider, String model) {
        ensure(h, provider, model);
        h.createUpdate("UPDATE enqueued_quotas SET waiting_since = coalesce(waiting_since, now()) "
                + "WHERE provider = :p AND model = :m").bind("p", provider).bind("m", model).execute();
    }

    /** Refused with nothing in flight: the model's batches are at most half the refused one from now on. */
    public static long halve(Handle h, String provider, String model, long batchTokens) {
        ensure(h, provider, model);
        long half = Math.max(1, batchTokens / 2);
        h.createUpdate("UPDATE enqueued_quotas SET max_batch_tokens = least(coalesce(max_batch_tokens, :t), :t) "
                + "WHERE provider = :p AND model = :m").bind("t", half).bind("p", provider).bind("m", model).execute();
        return half;
    }

    /** A batch of the model ended at its provider and its tokens were released: packing that waited for it goes on. */
    public static void released(Handle h, long batchId) {
        h.createUpdate("UPDATE enqueued_quotas q SET waiting_since = NULL FROM batches b "
                + "WHERE b.id = :id AND q.provider = b.provider AND q.model = b.model").bind("id", batchId).execute();
    }

    /**
     * A batch of the model was ingested. With results it is progress: the batch size doubles back towards the quota,
     * and a stated limit the provider has since let a larger batch (by its own count) through is forgotten.
     */
    public static void finished(Handle h, long batchId, boolean answered) {
        h.createUpdate("""
                        UPDATE enqueued_quotas q SET
                          last_progress_at = CASE WHEN :answered THEN now() ELSE q.last_progress_at END,
                          max_batch_tokens = CASE WHEN NOT :answered OR q.max_batch_tokens IS NULL THEN q.max_batch_tokens
                            WHEN q.max_batch_tokens * 2 >= coalesce(q.learned, nullif(q.configured, 0), 0)
                              AND coalesce(q.learned, q.configured) > 0 THEN NULL
                            ELSE q.max_batch_tokens * 2 END
                        FROM batches b WHERE b.id = :id AND q.provider = b.provider AND q.model = b.model""")
                .bind("answered", answered).bind("id", batchId).execute();
        if (!answered) {
            return;
        }
        h.createQuery("""
                        UPDATE enqueued_quotas q SET learned = NULL, learned_from = NULL, learned_at = NULL
                        FROM batches b WHERE b.id = :id AND q.provider = b.provider AND q.model = b.model
                          AND b.provider_tokens > q.learned
                        RETURNING q.provider, q.model, b.provider_tokens""")
                .bind("id", batchId)
                .map((rs, ctx) -> rs.getString(1) + " " + rs.getString(2) + ": the provider accepted a batch of "
                        + rs.getLong(3) + " tokens, more than the quota it stated before; that quota is forgotten")
                .forEach(LOG::info);
    }

    private static void ensure(Handle h, String provider, String model) {
        h.createUpdate("INSERT INTO enqueued_quotas (provider, model) VALUES (:p, :m) ON CONFLICT DO NOTHING")
                .bind("p", provider).bind("m", model).execute();
    }
}
