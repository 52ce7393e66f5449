package dev.batchpipe.sandbox;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/** The sandbox's one ObjectMapper and the small JSON helpers the provider formats share. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** Persists the sandbox's own records field by field; lenient on unknown fields so old data dirs keep loading. */
    static final ObjectMapper RECORDS = new ObjectMapper()
            .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .setVisibility(PropertyAccessor.CREATOR, JsonAutoDetect.Visibility.ANY)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** OpenAI timestamps: unix seconds. */
    static long unix(long epochMillis) {
        return epochMillis / 1000;
    }

    /** Anthropic and Gemini timestamps: RFC 3339 in UTC. */
    static String rfc3339(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    /** The first present field among camelCase / snake_case spellings, or null. */
    static JsonNode field(JsonNode node, String... names) {
        if (node == null || !node.isObject()) {
            return null;
        }
        for (String name : names) {
            JsonNode v = node.get(name);
            if (v != null && !v.isNull()) {
                return v;
            }
        }
        return null;
    }

    static String text(JsonNode node, String... names) {
        JsonNode v = field(node, names);
        return v != null && v.isValueNode() ? v.asText() : null;
    }

    /** An integer that may be sent as a JSON number or, as Gemini's int64 fields are, as a string. */
    static Long integer(JsonNode node, String... names) {
        JsonNode v = field(node, names);
        if (v == null) {
            return null;
        }
        if (v.isNumber()) {
            return v.asLong();
        }
        if (v.isTextual()) {
            try {
                return Long.parseLong(v.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** The elements of an array node; nothing for null or a non-array. */
    static Iterable<JsonNode> elements(JsonNode node) {
        return node != null && node.isArray() ? node : List.of();
    }
}
