package dev.batchpipe.realtime;

/**
 * One claimed realtime request: what to send, and, when an earlier claim of the same submission already received the
 * answer (recorded before a crash), that answer, so it is written without calling again.
 */
public record RealtimeCall(long requestId, int submission, String task, String template, String provider,
                           String model, String endpoint, int estimatedTokens, int maxOutputTokens, String payload,
                           String recordedAnswer) {

    /** Tokens the call is charged against the tokens-per-minute budget before its usage is known: input + max output. */
    public long reservedTokens() {
        return (long) estimatedTokens + maxOutputTokens;
    }

    public boolean answered() {
        return recordedAnswer != null;
    }
}
