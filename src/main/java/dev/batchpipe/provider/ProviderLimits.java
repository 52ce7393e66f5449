package dev.batchpipe.provider;

import java.util.Locale;
import java.util.Map;

/**
 * What one batch may hold at a provider, the enqueued-token quota per model for the account, and how many requests
 * the account may have queued at once over all models (Anthropic's batch queue). 0 = not enforced by us; the
 * provider's own refusal still sends requests back to wait.
 */
public record ProviderLimits(int maxRequests, long maxBytes, Map<String, Long> enqueuedTokensByModel,
                             long defaultEnqueuedTokens, int maxQueuedRequests) {

    public long enqueuedTokens(String model) {
        return enqueuedTokensByModel.getOrDefault(normalise(model), defaultEnqueuedTokens);
    }

    /** Model names as they appear in env var names: upper case, anything but letters and digits as _. */
    public static String normalise(String model) {
        return model.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }
}
