package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One line of a batch's results, decoded. For {@link Outcome#SUCCEEDED} {@code answer} is the model's structured
 * answer as text (to be parsed and validated); otherwise {@code error} says why, and {@code failure} whether it is
 * the provider's problem (retry without consuming an attempt) or the request's.
 */
public record ResultLine(
        String customId,
        Outcome outcome,
        String answer,
        Usage usage,
        Failure failure,
        String error,
        JsonNode raw) {

    public enum Outcome { SUCCEEDED, ERRORED, EXPIRED, CANCELLED }

    public enum Failure {
        /** 429, 5xx, timeouts, overload: the provider's problem; resubmit without consuming an attempt. */
        TRANSIENT,
        /** The provider rejected the request as invalid: sending it again will not help. */
        INVALID_REQUEST,
        /** Anything else about this request (refusal, truncated answer): retry a bounded number of times. */
        REQUEST
    }

    /**
     * Tokens of one call. {@code inputTokens} counts all input: the tokens read from a prompt cache
     * ({@code cachedInputTokens}) and those written to one, for five minutes ({@code cacheWriteTokens}) or for an hour
     * ({@code longCacheWriteTokens}), are part of it and priced at their own rates ({@link dev.batchpipe.cost.PriceTable}).
     */
    public record Usage(int inputTokens, int outputTokens, int cachedInputTokens, int cacheWriteTokens,
                        int longCacheWriteTokens) {
        public static final Usage NONE = new Usage(0, 0, 0);

        /** Usage without cache writes (every provider but Anthropic). */
        public Usage(int inputTokens, int outputTokens, int cachedInputTokens) {
            this(inputTokens, outputTokens, cachedInputTokens, 0, 0);
        }
    }

    public static ResultLine succeeded(String customId, String answer, Usage usage, JsonNode raw) {
        return new ResultLine(customId, Outcome.SUCCEEDED, answer, usage, null, null, raw);
    }

    public static ResultLine failed(String customId, Outcome outcome, Failure failure, String error, Usage usage,
                                    JsonNode raw) {
        return new ResultLine(customId, outcome, null, usage, failure, error, raw);
    }

    /** The answer of an embedding request, as every adapter gives it: {@code {"embedding": [numbers]}}. */
    public static String embeddingAnswer(JsonNode vector) {
        return ProviderHttp.JSON.createObjectNode().set("embedding", vector).toString();
    }

    /** Failure class of an HTTP status inside a batch line. */
    public static Failure failureOfStatus(int status) {
        if (status == 429 || status == 408 || status >= 500) {
            return Failure.TRANSIENT;
        }
        return status == 400 || status == 404 || status == 413 || status == 422 ? Failure.INVALID_REQUEST : Failure.REQUEST;
    }
}
