package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One provider's wire format as the batch engine needs it: how an input line names its request, how a request is
 * read and answered, and how result lines look. Realtime endpoints use the same {@link #parse} and {@link #render}.
 */
abstract class BatchFormat {

    private final Provider provider;
    private final String bodyField;
    private final TokenCounting counting;

    /**
     * {@code bodyField}: where a line of the batch's request file carries its request body; {@code counting}: how its
     * prompt tokens are counted.
     */
    BatchFormat(Provider provider, String bodyField, TokenCounting counting) {
        this.provider = provider;
        this.bodyField = bodyField;
        this.counting = counting;
    }

    /** The prompt tokens the provider reports in the usage of a request whose body is {@code body}. */
    final int promptTokens(ParsedRequest request, JsonNode body) {
        return counting.promptTokens(request, body);
    }

    /** What processing a request takes from the provider's throughput. */
    final long workTokens(ParsedRequest request, JsonNode body) {
        return counting.workTokens(request, body);
    }

    final Provider provider() {
        return provider;
    }

    /** The custom id / key of a line of the batch's request file: OpenAI and Anthropic call it {@code custom_id}. */
    String lineId(JsonNode line) {
        return line.path("custom_id").asText();
    }

    /** The request body of a line of the batch's request file. */
    final JsonNode lineBody(JsonNode line) {
        return line.path(bodyField);
    }

    /**
     * Reads a request body the way the provider would at processing time.
     *
     * @throws ApiError for a request the provider would reject (missing messages, …)
     */
    abstract ParsedRequest parse(JsonNode body, String endpoint, String batchModel);

    /** The tokens a request will take from the quota: a body the provider will reject still takes its bytes / 4. */
    final long estimate(JsonNode body, String endpoint, String batchModel) {
        try {
            return counting.quotaTokens(parse(body, endpoint, batchModel), body);
        } catch (ApiError e) {
            return Math.max(1, body.toString().length() / 4);
        }
    }

    /** The provider's response body for an answer. */
    abstract ObjectNode render(ParsedRequest request, Answers.Answer answer, String endpoint, long now);

    abstract void writeSuccess(BatchRecord batch, JsonNode line, ObjectNode response, ResultFiles out)
            throws IOException;

    abstract void writeFailure(BatchRecord batch, JsonNode line, ApiError error, ResultFiles out) throws IOException;

    /** A line that never ran because the batch expired or was cancelled ({@code phase} says which). */
    abstract void writeUnfinished(BatchRecord batch, JsonNode line, BatchRecord.Phase phase, ResultFiles out)
            throws IOException;

    /** The batch state as this provider names it on the wire. */
    abstract String state(BatchRecord.Phase phase);

    /**
     * Checks a request file before the batch starts. Only OpenAI validates late (the batch sits in
     * {@code validating}); the others check on create, so they return null here.
     */
    Validation validate(BatchRecord batch, Path requests, int maxRequests) throws IOException {
        return null;
    }

    /** Publishes a finished batch's result files (as provider file objects) where the provider does that. */
    void publishResults(BatchRecord batch, DataDirectory data, long now) throws IOException {
    }

    /**
     * @param problems     what makes the file unusable (empty = fine)
     * @param total        lines
     * @param tokensByModel estimated tokens per model
     * @param customIds    the custom ids, to count duplicates across batches
     */
    record Validation(List<BatchRecord.Problem> problems, int total, java.util.Map<String, Long> tokensByModel,
                      List<String> customIds) {
    }
}
