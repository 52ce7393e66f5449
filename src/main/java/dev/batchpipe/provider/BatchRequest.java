package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.image.ImagePart;
import java.util.List;

/**
 * One request as a provider adapter encodes it: rendered prompts and the answer schema (already reduced to what
 * strict structured-output modes accept; batchpipe validates answers against the full schema itself). {@code images}
 * go in the user turn before its text, as the provider's image parts.
 */
public record BatchRequest(
        String customId,
        String model,
        String endpoint,
        String system,
        String user,
        int maxOutputTokens,
        Double temperature,
        String schemaName,
        ObjectNode schema,
        List<ImagePart> images) {

    /** A request of text only. */
    public BatchRequest(String customId, String model, String endpoint, String system, String user, int maxOutputTokens,
                        Double temperature, String schemaName, ObjectNode schema) {
        this(customId, model, endpoint, system, user, maxOutputTokens, temperature, schemaName, schema, List.of());
    }
}
