package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderLimits;
import java.util.function.Function;

/**
 * The provider limits packing obeys: what one batch may hold (requests, bytes), the enqueued-token quota per model (a
 * limit the provider stated wins over the configured one), the batch size after refusals and the room in the
 * account's queue of requests. Also says which requests can never be packed, and why.
 */
public final class BatchLimits {

    private final Function<String, ProviderLimits> limits;
    private final double maxBatchShare;

    /**
     * {@code limits}: a configured provider's limits, by name; {@code maxBatchShare}: the largest share of a model's
     * quota one batch may take (below 1: batches of different sizes share it, so one is processed while the next is
     * being submitted); while some of the quota is taken, no batch starts into less than half the room a batch of that
     * share leaves (a sliver: the next finish frees more).
     */
    public BatchLimits(Function<String, ProviderLimits> limits, double maxBatchShare) {
        if (!(maxBatchShare > 0 && maxBatchShare <= 1)) {
            throw new IllegalArgumentException("batchpipe.quota.max-batch-share must be above 0 and at most 1");
        }
        this.limits = limits;
        this.maxBatchShare = maxBatchShare;
    }

    public ProviderLimits of(String provider) {
        return limits.apply(provider);
    }

    /** Why the line can never go into a batch (it is dead-lettered), or null when it can. */
    public String refusal(PendingLine l) {
        PendingRequest r = l.request();
        if (l.line() == null) {
            return "provider " + r.provider() + " is not configured";
        }
        ProviderLimits limits = of(r.provider());
        // against the configured quota only: one the provider stated may grow again, and our count may be high
        long quota = limits.enqueuedTokens(r.model());
        if (quota > 0 && l.tokens() > quota) {
            return "needs about " + l.tokens() + " input tokens as the provider counts them, more than the "
                    + "enqueued-token quota of " + quota + " for " + r.provider() + " " + r.model()
                    + ": it can never be submitted";
        }
        if (l.bytes() > limits.maxBytes()) {
            return "its batch line is " + l.bytes() + " bytes, more than the " + limits.maxBytes() + " bytes a "
                    + r.provider() + " batch file may hold";
        }
        return null;
    }

    /** What the group of {@code r} may still take, from the account's state when r was read. */
    public BatchDraft.Budget budget(PendingRequest r) {
        ProviderLimits limits = of(r.provider());
        long share = r.quota() > 0 ? Math.max(1, (long) (r.quota() * maxBatchShare)) : Long.MAX_VALUE;
        return new BatchDraft.Budget(r.quota() > 0 ? r.quota() - r.tokensInFlight() : Long.MAX_VALUE,
                limits.maxQueuedRequests() > 0 ? Math.max(0, limits.maxQueuedRequests() - r.requestsQueued())
                        : Long.MAX_VALUE,
                Math.min(share, r.batchTokens() > 0 ? r.batchTokens() : Long.MAX_VALUE), r.tokensInFlight() == 0,
                r.quota() > 0 ? Math.max(0, r.quota() - share) / 2 : 0);
    }
}
