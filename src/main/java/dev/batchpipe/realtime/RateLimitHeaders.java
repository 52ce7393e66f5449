package dev.batchpipe.realtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The limits a provider announces on its answers: OpenAI's {@code x-ratelimit-limit-requests} and
 * {@code -tokens}, Anthropic's {@code anthropic-ratelimit-requests-limit} and {@code -tokens-limit}; by kind
 * ("rpm", "tpm"). Gemini announces none.
 */
final class RateLimitHeaders {

    private RateLimitHeaders() {
    }

    static Map<String, Long> of(Map<String, Object> headers) {
        Map<String, Long> limits = new LinkedHashMap<>();
        put(limits, "rpm", headers, "x-ratelimit-limit-requests", "anthropic-ratelimit-requests-limit");
        put(limits, "tpm", headers, "x-ratelimit-limit-tokens", "anthropic-ratelimit-tokens-limit");
        return limits;
    }

    private static void put(Map<String, Long> limits, String kind, Map<String, Object> headers, String... names) {
        for (String name : names) {
            Object value = headers.get(name);
            if (value != null) {
                try {
                    long limit = Long.parseLong(String.valueOf(value).trim());
                    if (limit > 0) {
                        limits.put(kind, limit);
                        return;
                    }
                } catch (NumberFormatException unreadable) {
                    // not a count: not a limit we can use
                }
            }
        }
    }
}
