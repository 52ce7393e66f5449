package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.image.ImagePart;
import java.util.List;

/**
 * One request as a provider adapter encodes it: rendered prompts and the answer schema (already reduced to what
 * strict structured-output modes accept; batchpipe validates answers against the full schema itself). {@code images}
 * go in the user turn before its text, as the provider's image parts. An embedding ({@link #EMBEDDINGS}) carries its
 * text in {@code user}, no schema, and the vector size asked for in {@code dimensions} (null: the model's own).
 * {@code files} go in the user turn before its text too: references to files uploaded to the provider (Gemini's
 * videos). {@code sharedSystem} is the leading part of {@code system} that every request of the template has alike (all
 * of it unless the system prompt has placeholders): the only part an adapter marks for the provider's prompt cache.
 * {@code cachedContent} names a Gemini cached content that holds the system prompt, sent instead of it (null: none).
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
        List<ImagePart> images,
        Integer dimensions,
        List<FileReference> files,
        String sharedSystem,
        String cachedContent) {

    /** A file uploaded to the provider, by its URI, as a request part refers to it. */
    public record FileReference(String mimeType, String uri) {
    }

    /** A request whose system prompt is the same in every request of its template. */
    public BatchRequest(String customId, String model, String endpoint, String system, String user, int maxOutputTokens,
                        Double temperature, String schemaName, ObjectNode schema, List<ImagePart> images,
                        Integer dimensions, List<FileReference> files) {
        this(customId, model, endpoint, system, user, maxOutputTokens, temperature, schemaName, schema, images,
                dimensions, files, system, null);
    }

    /** A request without uploaded files. */
    public BatchRequest(String customId, String model, String endpoint, String system, String user, int maxOutputTokens,
                        Double temperature, String schemaName, ObjectNode schema, List<ImagePart> images,
                        Integer dimensions) {
        this(customId, model, endpoint, system, user, maxOutputTokens, temperature, schemaName, schema, images,
                dimensions, List.of());
    }

    /** The same request with its system prompt sent as the Gemini cached content {@code name}. */
    public BatchRequest withCachedContent(String name) {
        return new BatchRequest(customId, model, endpoint, system, user, maxOutputTokens, temperature, schemaName, schema,
                images, dimensions, files, sharedSystem, name);
    }

    /**
     * A digest of what every request of the template shares, in the order it is sent: the system prompt's shared part
     * and the answer schema. A changed prompt or schema gives another.
     */
    public String sharedPrefixDigest() {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update((sharedSystem == null ? "" : sharedSystem).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(String.valueOf(schema).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the whole system prompt is the same in every request of the template (and there is one). */
    public boolean systemShared() {
        return system != null && !system.isBlank() && system.equals(sharedSystem);
    }

    /** The endpoint of embedding requests, whichever provider serves them (it keeps them out of other batches). */
    public static final String EMBEDDINGS = "/v1/embeddings";

    /** A request of text only. */
    public BatchRequest(String customId, String model, String endpoint, String system, String user, int maxOutputTokens,
                        Double temperature, String schemaName, ObjectNode schema) {
        this(customId, model, endpoint, system, user, maxOutputTokens, temperature, schemaName, schema, List.of(), null);
    }

    /** An embedding of {@code text}, {@code dimensions} long (null: the model's own size). */
    public static BatchRequest embedding(String customId, String model, String text, Integer dimensions) {
        return new BatchRequest(customId, model, EMBEDDINGS, null, text, 0, null, null, null, List.of(), dimensions);
    }

    public boolean embedding() {
        return EMBEDDINGS.equals(endpoint);
    }
}
