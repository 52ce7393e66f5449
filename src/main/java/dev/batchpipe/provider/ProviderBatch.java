package dev.batchpipe.provider;

import java.time.Instant;

/**
 * A batch as the provider reports it, in provider-neutral terms. {@code inputTokens}: the prompt tokens the provider
 * counted for the whole batch, where its batch object says (OpenAI's {@code usage.input_tokens}); 0 when it does not.
 */
public record ProviderBatch(
        String id,
        State state,
        String rawStatus,
        int total,
        int completed,
        int failed,
        String inputFileId,
        String outputFileId,
        String errorFileId,
        String errorCode,
        String errorMessage,
        String tag,
        Instant createdAt,
        Instant expiresAt,
        String countsJson,
        long inputTokens) {

    public enum State {
        PENDING, RUNNING, CANCELLING, COMPLETED, FAILED, EXPIRED, CANCELLED;

        /** Results are final; whatever finished is downloadable. */
        public boolean terminal() {
            return this == COMPLETED || this == FAILED || this == EXPIRED || this == CANCELLED;
        }
    }
}
