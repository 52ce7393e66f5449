package dev.batchpipe.task;

import dev.batchpipe.provider.BatchRequest;
import java.util.List;
import java.util.Map;

/**
 * A task as declared in {@code tasks/<name>.yaml}: what an input item looks like, the LLM requests made for each
 * item, the schema each answer must satisfy and how answers become table rows. No Java is needed for a new task.
 * {@code mode}: how its jobs reach the provider unless a run says otherwise, {@code batch}, {@code realtime} or
 * {@code auto} (chosen per job).
 */
public record TaskDefinition(
        String name,
        String description,
        String file,
        String keyField,
        JsonSchemaSpec inputSchema,
        String provider,
        String model,
        List<RequestTemplate> requests,
        Source source,
        // budget_usd_per_day: packing holds the task's requests that would pass it (null: no budget of its own)
        java.math.BigDecimal budgetUsdPerDay,
        // batch, realtime or auto: how its jobs are sent unless a run asks otherwise
        String mode,
        // daily_limit: realtime requests a day of this task, beyond which its realtime work pauses (null: none)
        Integer dailyLimit,
        // input fields declared format: image (a string, or an array of strings), in schema order: a record's images
        List<String> imageFields,
        // input.each: each image of this field (an array, or a string of references separated by spaces) becomes an
        // item of its own (null: one item per record)
        Each each) {

    /** The providers that take video: Gemini, through its Files API. */
    public static final List<String> VIDEO_PROVIDERS = List.of("gemini");

    /** Input fields declared {@code format: video} (Gemini only), in schema order: a record's videos. */
    public List<String> videoFields() {
        return TaskLoader.fieldsOfFormat(inputSchema.schema().path("properties"), "video", file);
    }

    public boolean hasImages() {
        return !imageFields.isEmpty();
    }

    /**
     * The key an item is stored under: its key field, and with {@code each} also its image, so one record of a post
     * gives one item (and request) per image.
     */
    public String itemKey(com.fasterxml.jackson.databind.JsonNode value) {
        String key = value.get(keyField).asText();
        return each == null ? key : key + "/" + value.path(each.as()).asText();
    }

    /**
     * {@code input.each}: the image field whose images become items (an array, or a string listing them separated by
     * spaces, as a CSV cell holds them), and the field each item holds its one image in.
     */
    public record Each(String field, String as) {
    }

    public RequestTemplate request(String name) {
        return requests.stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("task " + this.name + " has no request " + name));
    }

    /**
     * A table other systems write the task's input into (optional). Its rows are extracted when they are new or
     * changed ({@code auto}), or when an extraction run selects them; see sql/V2 for the columns it needs.
     */
    public record Source(String table, boolean auto, String schedule, int priority) {
    }

    /**
     * One LLM call per item, or per group of up to {@code rowsPerRequest} items (micro-batching: the items go in as a
     * JSON array with their ids and one answer comes back per id). Provider and model fall back to the task's. An
     * embedding ({@code kind: embedding}) has the endpoint {@link BatchRequest#EMBEDDINGS}, its text in {@code user},
     * no system prompt and no output tokens; its answer is {@code {"embedding": [numbers]}} ({@code dimensions} of them
     * when set, which the provider is asked for).
     */
    public record RequestTemplate(
            String name,
            String provider,
            String model,
            String endpoint,
            int maxOutputTokens,
            Double temperature,
            PromptTemplate system,
            PromptTemplate user,
            JsonSchemaSpec answerSchema,
            List<Output> outputs,
            int rowsPerRequest,
            Integer dimensions) {

        /** Whether items of this template share prompts (micro-batching). */
        public boolean microBatched() {
            return rowsPerRequest > 1;
        }

        public boolean isEmbedding() {
            return BatchRequest.EMBEDDINGS.equals(endpoint);
        }
    }

    /**
     * Rows written for a validated answer. Rows whose {@code replace} columns match are deleted first, so a new
     * answer for the same item replaces the old one; duplicate rows within one answer are ignored.
     */
    public record Output(
            String table,
            List<String> replace,
            ValueExpression.Path rows,
            Map<String, ValueExpression> columns) {
    }
}
