package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One request as a provider adapter encodes it: rendered prompts and the answer schema (already reduced to what
 * strict structured-output modes accept; batchpipe validates answers against the full schema itself). An embedding
 * ({@link #EMBEDDINGS}) carries its text in {@code user}, no schema, and the vector size asked for in
 * {@code dimensions} (null: the model's own).
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
        Integer dimensions) {

    /** The endpoint of embedding requests, whichever provider serves them (it keeps them out of other batches). */
    public static final String EMBEDDINGS = "/v1/embeddings";

    public boolean embedding() {
        return EMBEDDINGS.equals(endpoint);
    }
}
