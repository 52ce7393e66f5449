package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/** Small readers for provider JSON that the adapters share. */
final class ProviderJson {

    private ProviderJson() {
    }

    /** A field as text; null when it is missing or JSON null. */
    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** A field that an answer must hold, as text; its absence is the provider's fault (retryable). */
    static String required(JsonNode node, String field, String what) {
        String v = node.path(field).asText(null);
        if (v == null || v.isBlank()) {
            throw new ProviderException(200, "invalid_response", what + " answer has no " + field, true);
        }
        return v;
    }

    /**
     * A provider's error answer. Every provider nests it under {@code error} with a {@code message}; {@code code}
     * picks the provider's error code from that object. A body that is not JSON is kept as the message.
     */
    static ProviderException error(int status, String body, Function<JsonNode, String> code) {
        String message = body == null ? "" : body;
        try {
            JsonNode err = ProviderHttp.JSON.readTree(message).path("error");
            return ProviderException.ofResponse(status, code.apply(err), err.path("message").asText(message));
        } catch (IOException | RuntimeException e) {
            return ProviderException.ofResponse(status, null, message);
        }
    }

    /** An RFC 3339 timestamp (Anthropic, Gemini); null when missing or unreadable. */
    static Instant rfc3339(JsonNode v) {
        if (v == null || !v.isTextual()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(v.asText()).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
