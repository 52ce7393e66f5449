package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the answer generator needs from one provider request, whatever its wire shape.
 *
 * @param model           model as the request names it
 * @param promptText      all prompt text (system and user), for the token estimate and the answer's hash
 * @param userText        the user turns only: the words answers are built from
 * @param kind            what kind of answer is expected
 * @param schema          the JSON schema of a structured answer (SCHEMA and TOOL), else null
 * @param toolName        the forced tool's name (TOOL), else null
 * @param maxOutputTokens the request's answer budget (or {@link Tokens#DEFAULT_MAX_OUTPUT_TOKENS})
 * @param embeddingInputs how many inputs an embeddings request carries
 * @param dimensions      embedding size
 * @param cachedTokens    of the prompt, the tokens a Gemini cached content it names holds (they are in promptText)
 */
record ParsedRequest(String model, String promptText, String userText, Kind kind, JsonNode schema, String toolName,
                     int maxOutputTokens, int embeddingInputs, int dimensions, int cachedTokens) {

    ParsedRequest(String model, String promptText, String userText, Kind kind, JsonNode schema, String toolName,
                  int maxOutputTokens, int embeddingInputs, int dimensions) {
        this(model, promptText, userText, kind, schema, toolName, maxOutputTokens, embeddingInputs, dimensions, 0);
    }

    ParsedRequest withCachedTokens(int tokens) {
        return new ParsedRequest(model, promptText, userText, kind, schema, toolName, maxOutputTokens, embeddingInputs,
                dimensions, tokens);
    }

    enum Kind { TEXT, JSON_OBJECT, SCHEMA, TOOL, EMBEDDING }

    static ParsedRequest text(String model, String promptText, String userText, int maxOutputTokens) {
        return new ParsedRequest(model, promptText, userText, Kind.TEXT, null, null, maxOutputTokens, 0, 0);
    }

    ParsedRequest withSchema(JsonNode schema) {
        return new ParsedRequest(model, promptText, userText, Kind.SCHEMA, schema, null, maxOutputTokens, 0, 0);
    }

    ParsedRequest withTool(String name, JsonNode schema) {
        return new ParsedRequest(model, promptText, userText, Kind.TOOL, schema, name, maxOutputTokens, 0, 0);
    }

    ParsedRequest withKind(Kind newKind) {
        return new ParsedRequest(model, promptText, userText, newKind, schema, toolName, maxOutputTokens,
                embeddingInputs, dimensions);
    }

    /** The estimate that throughput and the enqueued-token quotas count: prompt tokens plus the answer budget. */
    long estimatedTokens() {
        return Tokens.of(promptText) + (long) maxOutputTokens;
    }
}
