package dev.batchpipe.sandbox;

import java.util.Map;

/**
 * A snapshot of what the sandbox has seen since start or the last reset, per provider. Counters count events;
 * {@code batchesByState} is the current state of every batch the sandbox holds (provider wire names, e.g.
 * {@code in_progress}, {@code ended}, {@code BATCH_STATE_SUCCEEDED}).
 */
public record SandboxStats(ProviderStats openai, ProviderStats anthropic, ProviderStats gemini) {

    public ProviderStats of(Provider provider) {
        return switch (provider) {
            case OPENAI -> openai;
            case ANTHROPIC -> anthropic;
            case GEMINI -> gemini;
        };
    }

    /**
     * @param filesUploaded      files uploaded (OpenAI Files, Gemini resumable uploads)
     * @param batchesCreated     batches accepted by a create call (including ones that later fail)
     * @param batchesByState     current batches per provider state
     * @param requestsReceived   batch lines accepted into batches
     * @param duplicateCustomIds distinct custom ids / keys that were accepted more than once across batches
     * @param rateLimited        429 responses served (injected or from a quota)
     * @param serverErrors       5xx responses served
     * @param dropped            connections closed without a response
     * @param realtimeCalls      realtime generation calls received (chat, responses, embeddings, messages, …)
     * @param linesSucceeded     batch lines answered successfully
     * @param linesErrored       batch lines that failed (injected or invalid request)
     * @param linesExpired       batch lines reported expired
     * @param linesCancelled     batch lines reported cancelled
     */
    public record ProviderStats(
            long filesUploaded,
            long batchesCreated,
            Map<String, Long> batchesByState,
            long requestsReceived,
            long duplicateCustomIds,
            long rateLimited,
            long serverErrors,
            long dropped,
            long realtimeCalls,
            long linesSucceeded,
            long linesErrored,
            long linesExpired,
            long linesCancelled) {

        /** Batches currently in the given provider state (0 when none). */
        public long batchesIn(String state) {
            return batchesByState.getOrDefault(state, 0L);
        }
    }
}
