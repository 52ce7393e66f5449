package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One request as a provider adapter encodes it: rendered prompts and the answer schema (already reduced to what
 * strict structured-output modes accept; batchpipe validates answers against the full schema itself).
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
        ObjectNode schema) {
}
