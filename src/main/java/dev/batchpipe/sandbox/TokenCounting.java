package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How the sandbox counts the prompt tokens of a request, for the usage it reports, the enqueued-token quota and its
 * throughput. By default it counts the prompt text (system and user turns) and, against the quota, the answer budget
 * too. A real provider counts more than the prompt: the message framing, the JSON schema or tool definition, with a
 * tokenizer of its own, and OpenAI counts prompt tokens (not the answer budget) against the enqueued quota. Tests
 * make the sandbox count that way with {@code asSent} (the whole request body as sent, schema and framing included,
 * and no answer budget against the quota) and {@code factor} (a multiple of its count), so it counts differently from
 * batchpipe's estimate.
 *
 * @param factor what the sandbox's count is multiplied by (at least 0.1)
 * @param asSent count the request body as sent rather than its prompt text
 */
public record TokenCounting(double factor, boolean asSent) {

    /** The sandbox's own count: prompt text, bytes / 4. */
    public static final TokenCounting PROMPT_TEXT = new TokenCounting(1.0, false);

    public TokenCounting {
        if (!(factor >= 0.1) || !Double.isFinite(factor)) {
            throw new IllegalArgumentException("the token factor must be a number of at least 0.1");
        }
    }

    /** The prompt tokens of {@code request}, whose body on the wire is {@code body}. */
    int promptTokens(ParsedRequest request, JsonNode body) {
        long counted = asSent ? (Tokens.utf8Length(body.toString()) + 3) / 4 : Tokens.of(request.promptText());
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, Math.ceil(counted * factor)));
    }

    /** What the request takes from the enqueued-token quota. */
    long quotaTokens(ParsedRequest request, JsonNode body) {
        return promptTokens(request, body) + (asSent ? 0L : request.maxOutputTokens());
    }

    /** What processing the request takes from the provider's throughput: its prompt and its answer budget. */
    long workTokens(ParsedRequest request, JsonNode body) {
        return promptTokens(request, body) + (long) request.maxOutputTokens();
    }
}
