package dev.batchpipe.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.batchpipe.provider.BatchRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads one task file into a {@link TaskDefinition}, with errors that name the file and the key. */
public final class TaskLoader {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Set<String> ENDPOINTS = Set.of("/v1/chat/completions", "/v1/responses");
    /** The most items one prompt may carry: the answer schema gets one property per item. */
    public static final int MAX_ROWS_PER_REQUEST = 100;

    private TaskLoader() {
    }

    /** Whether {@code name} has the form of a task name: lower-case letters, digits and dashes. */
    public static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    public static TaskDefinition load(InputStream in, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(in);
        } catch (IOException e) {
            throw new TaskFileException(source + ": not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new TaskFileException(source + ": expected a mapping with name, input and requests");
        }
        String name = text(root, "name", source, true);
        if (!NAME.matcher(name).matches()) {
            throw new TaskFileException(source + ": name '" + name + "' must be lower-case letters, digits and dashes");
        }
        JsonNode input = required(root, "input", source);
        String keyField = text(input, "key", source + ": input", true);
        JsonSchemaSpec inputSchema = schema(required(input, "schema", source + ": input"), source + ": input.schema");
        boolean keyRequired = false;
        for (JsonNode r : inputSchema.schema().path("required")) {
            keyRequired |= r.asText().equals(keyField);
        }
        if (!keyRequired) {
            throw new TaskFileException(source + ": input.schema must list the key field '" + keyField + "' as required");
        }
        String provider = text(root, "provider", source, false);
        String model = text(root, "model", source, false);
        JsonNode inputProperties = inputSchema.schema().path("properties");
        List<String> imageFields = fieldsOfFormat(inputProperties, "image", source + ": input.schema");
        List<String> videoFields = fieldsOfFormat(inputProperties, "video", source + ": input.schema");
        TaskDefinition.Each each = each(input.get("each"), inputProperties, imageFields, source + ": input.each");
        if (!imageFields.isEmpty() && root.hasNonNull("source")) {
            // rows of a source table have no folder their paths are relative to; images are read at file intake
            throw new TaskFileException(source + ": a task with image fields takes its input from files, not from a "
                    + "source table");
        }
        List<String> itemFields = new ArrayList<>();
        inputProperties.fieldNames().forEachRemaining(itemFields::add);
        if (each != null) {
            itemFields.add(each.as());
        }

        JsonNode requestsNode = required(root, "requests", source);
        if (!requestsNode.isArray() || requestsNode.isEmpty()) {
            throw new TaskFileException(source + ": requests must be a non-empty list");
        }
        List<TaskDefinition.RequestTemplate> requests = new ArrayList<>();
        for (int i = 0; i < requestsNode.size(); i++) {
            requests.add(request(requestsNode.get(i), source + ": requests[" + i + "]", provider, model, itemFields));
        }
        for (int i = 0; i < requests.size() && !videoFields.isEmpty(); i++) {
            videoRequest(requests.get(i), videoFields.get(0), source + ": requests[" + i + "]");
        }
        if (requests.stream().map(TaskDefinition.RequestTemplate::name).distinct().count() != requests.size()) {
            throw new TaskFileException(source + ": request names must be unique");
        }
        for (int i = 0; i < requests.size(); i++) {
            if (requests.get(i).microBatched() && !imageFields.isEmpty()) {
                throw new TaskFileException(source + ": requests[" + i + "]: rows_per_request shares one prompt's text "
                        + "between items; a task with image inputs sends each item in a request of its own");
            }
        }
        return new TaskDefinition(name, text(root, "description", source, false), source, keyField, inputSchema,
                provider, model, List.copyOf(requests), dbSource(root.get("source"), source + ": source"),
                budget(root.get("budget_usd_per_day"), source + ": budget_usd_per_day"), mode(root, source),
                dailyLimit(root.get("daily_limit"), source + ": daily_limit"),
                List.copyOf(imageFields), each);
    }

    /**
     * A request of a task with videos goes to Gemini, the one provider that takes video (through its Files API), one
     * item at a time.
     */
    private static void videoRequest(TaskDefinition.RequestTemplate t, String field, String where) {
        if (!TaskDefinition.VIDEO_PROVIDERS.contains(t.provider())) {
            throw new TaskFileException(where + ": input field '" + field + "' is a video (format: video), which only "
                    + String.join(", ", TaskDefinition.VIDEO_PROVIDERS) + " takes; this request goes to "
                    + t.provider() + " (set provider: gemini)");
        }
        if (t.rowsPerRequest() > 1) {
            throw new TaskFileException(where + ": rows_per_request must be 1 for a task with videos: each video is "
                    + "asked about in a request of its own");
        }
    }

    /**
     * Fields declared {@code format: image} or {@code format: video}: a string, or an array of strings (the format on
     * it or on its items).
     */
    static List<String> fieldsOfFormat(JsonNode properties, String format, String where) {
        List<String> fields = new ArrayList<>();
        properties.fields().forEachRemaining(p -> {
            JsonNode f = p.getValue();
            boolean array = "array".equals(f.path("type").asText());
            boolean ofFormat = format.equals(f.path("format").asText())
                    || array && format.equals(f.path("items").path("format").asText());
            if (!ofFormat) {
                return;
            }
            boolean strings = array ? "string".equals(f.path("items").path("type").asText())
                    : "string".equals(f.path("type").asText());
            if (!strings) {
                throw new TaskFileException(where + ": " + format + " field '" + p.getKey()
                        + "' must be a string or an array of strings (" + (format.equals("image")
                        ? "a path, an http(s) URL or a data: URI" : "paths relative to the input file") + ")");
            }
            fields.add(p.getKey());
        });
        return fields;
    }

    private static TaskDefinition.Each each(JsonNode node, JsonNode properties, List<String> imageFields, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String field = text(node, "field", where, true);
        String as = text(node, "as", where, true);
        if (!imageFields.contains(field)) {
            throw new TaskFileException(where + ": field '" + field + "' must be a field of format image");
        }
        if (!as.matches("[a-z_][a-z0-9_]*") || properties.has(as)) {
            throw new TaskFileException(where + ": as '" + as + "' must be a new field name (lower case, digits, _)");
        }
        return new TaskDefinition.Each(field, as);
    }

    private static Integer dailyLimit(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.intValue() < 1) {
            throw new TaskFileException(where + " must be a positive whole number of requests a day");
        }
        return node.intValue();
    }

    private static java.math.BigDecimal budget(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isNumber() || node.decimalValue().signum() <= 0) {
            throw new TaskFileException(where + " must be a positive number of US dollars");
        }
        return node.decimalValue();
    }

    private static String mode(JsonNode root, String source) {
        String mode = orElse(text(root, "mode", source, false), "batch");
        if (!mode.equals("batch") && !mode.equals("realtime") && !mode.equals("auto")) {
            throw new TaskFileException(source + ": mode must be batch, realtime or auto, not '" + mode + "'");
        }
        return mode;
    }

    private static TaskDefinition.Source dbSource(JsonNode node, String where) {
        if (node == null || node.isNull()) {
            return null;
        }
        String table = text(node, "table", where, true);
        if (!table.matches("[a-z_][a-z0-9_]*")) {
            throw new TaskFileException(where + ": table must be a plain lower-case SQL name");
        }
        String schedule = orElse(text(node, "schedule", where, false), "asap");
        if (!schedule.equals("asap") && !schedule.equals("overnight")) {
            throw new TaskFileException(where + ": schedule must be asap or overnight");
        }
        int priority = node.path("priority").asInt(5);
        if (priority < 1 || priority > 10) {
            throw new TaskFileException(where + ": priority must be between 1 and 10");
        }
        return new TaskDefinition.Source(table, node.path("auto").asBoolean(true), schedule, priority);
    }

    private static TaskDefinition.RequestTemplate request(JsonNode node, String where, String taskProvider,
                                                          String taskModel, List<String> itemFields) {
        String name = text(node, "name", where, true);
        if (!name.matches("[a-z0-9_]{1,20}")) {
            throw new TaskFileException(where + ": name must be 1-20 lower-case letters, digits or _");
        }
        String provider = orElse(text(node, "provider", where, false), taskProvider);
        String model = orElse(text(node, "model", where, false), taskModel);
        if (provider == null || model == null) {
            throw new TaskFileException(where + ": provider and model must be set on the request or the task");
        }
        String kind = orElse(text(node, "kind", where, false), "completion");
        if (kind.equals("embedding")) {
            return embedding(node, where, name, provider, model, itemFields);
        }
        if (!kind.equals("completion")) {
            throw new TaskFileException(where + ": kind must be completion or embedding, not '" + kind + "'");
        }
        String endpoint = orElse(text(node, "endpoint", where, false), "/v1/chat/completions");
        if (!ENDPOINTS.contains(endpoint)) {
            throw new TaskFileException(where + ": endpoint must be one of " + ENDPOINTS);
        }
        int maxOutput = node.path("max_output_tokens").asInt(1024);
        Double temperature = node.has("temperature") ? node.get("temperature").asDouble() : null;
        PromptTemplate system = prompt(node, "system", where, false, itemFields);
        PromptTemplate user = prompt(node, "user", where, true, itemFields);
        JsonSchemaSpec answer = schema(required(node, "schema", where), where + ".schema");
        List<TaskDefinition.Output> outputs = outputs(node, where);
        int rowsPerRequest = rowsPerRequest(node.get("rows_per_request"), where, system);
        return new TaskDefinition.RequestTemplate(name, provider, model, endpoint, maxOutput, temperature, system, user,
                answer, outputs, rowsPerRequest, null);
    }

    /**
     * {@code kind: embedding}: the item's {@code text} (a template, e.g. {@code "{{title}}\n\n{{contents}}"}) is sent
     * to the provider's embeddings endpoint, one item per request; the answer is the vector,
     * {@code {"embedding": [...]}}, so there is no prompt, schema or output budget to declare.
     */
    private static TaskDefinition.RequestTemplate embedding(JsonNode node, String where, String name, String provider,
                                                            String model, List<String> itemFields) {
        for (String key : List.of("system", "user", "schema", "endpoint", "max_output_tokens", "temperature",
                "rows_per_request")) {
            if (node.has(key)) {
                throw new TaskFileException(where + ": an embedding takes no " + key
                        + " (it sends its text and answers {\"embedding\": [numbers]})");
            }
        }
        PromptTemplate text = prompt(node, "text", where, true, itemFields);
        Integer dimensions = null;
        JsonNode d = node.get("dimensions");
        if (d != null && !d.isNull()) {
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 1 || d.intValue() > 16_000) {
                throw new TaskFileException(where + ": dimensions must be a whole number from 1 to 16000");
            }
            dimensions = d.intValue();
        }
        ObjectNode vector = YAML.createObjectNode().put("type", "array");
        vector.putObject("items").put("type", "number");
        vector.put("minItems", dimensions == null ? 1 : dimensions);
        if (dimensions != null) {
            vector.put("maxItems", dimensions);
        }
        ObjectNode answer = YAML.createObjectNode().put("type", "object");
        answer.putArray("required").add("embedding");
        answer.putObject("properties").set("embedding", vector);
        return new TaskDefinition.RequestTemplate(name, provider, model, BatchRequest.EMBEDDINGS, 0, null,
                new PromptTemplate(null), text, new JsonSchemaSpec(answer), outputs(node, where), 1, dimensions);
    }

    private static PromptTemplate prompt(JsonNode node, String key, String where, boolean required,
                                         List<String> itemFields) {
        PromptTemplate t = new PromptTemplate(text(node, key, where, required));
        for (String field : t.fields()) {
            if (!itemFields.contains(field)) {
                throw new TaskFileException(where + ": " + (key.equals("text") ? "text" : "prompt") + " uses {{" + field
                        + "}} which input.schema does not define");
            }
        }
        return t;
    }

    private static List<TaskDefinition.Output> outputs(JsonNode node, String where) {
        JsonNode outputNode = required(node, "output", where);
        if (!outputNode.isArray() || outputNode.isEmpty()) {
            throw new TaskFileException(where + ": output must be a non-empty list");
        }
        List<TaskDefinition.Output> outputs = new ArrayList<>();
        for (int i = 0; i < outputNode.size(); i++) {
            outputs.add(output(outputNode.get(i), where + ".output[" + i + "]"));
        }
        return List.copyOf(outputs);
    }

    /**
     * How many items one prompt may carry (1 by default). Items of one prompt share its system prompt, so a template
     * that micro-batches must not fill the system prompt from the item.
     */
    private static int rowsPerRequest(JsonNode node, String where, PromptTemplate system) {
        if (node == null || node.isNull()) {
            return 1;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 1
                || node.intValue() > MAX_ROWS_PER_REQUEST) {
            throw new TaskFileException(where + ": rows_per_request must be a whole number from 1 to "
                    + MAX_ROWS_PER_REQUEST + ", not " + node);
        }
        if (node.intValue() > 1 && !system.fields().isEmpty()) {
            throw new TaskFileException(where + ": rows_per_request puts several items in one prompt, so the system "
                    + "prompt must not use item fields (it uses {{" + system.fields().iterator().next() + "}}); "
                    + "move them to the user prompt");
        }
        return node.intValue();
    }

    private static TaskDefinition.Output output(JsonNode node, String where) {
        String table = text(node, "table", where, true);
        if (!table.matches("[a-z_][a-z0-9_]*")) {
            throw new TaskFileException(where + ": table must be a plain lower-case SQL name");
        }
        ValueExpression.Path rows = null;
        if (node.has("rows")) {
            if (ValueExpression.parse(node.get("rows"), where + ".rows") instanceof ValueExpression.Path p
                    && p.root() == ValueExpression.Root.ANSWER) {
                rows = p;
            } else {
                throw new TaskFileException(where + ".rows: must be a path into the answer, like $.topics");
            }
        }
        JsonNode cols = required(node, "columns", where);
        if (!cols.isObject() || cols.isEmpty()) {
            throw new TaskFileException(where + ".columns: must map column names to values");
        }
        Map<String, ValueExpression> columns = new LinkedHashMap<>();
        cols.fields().forEachRemaining(c -> {
            if (!c.getKey().matches("[a-z_][a-z0-9_]*") || c.getKey().equals("request_id")) {
                throw new TaskFileException(where + ".columns: '" + c.getKey()
                        + "' is not a usable column name (request_id is set by batchpipe)");
            }
            columns.put(c.getKey(), ValueExpression.parse(c.getValue(), where + ".columns." + c.getKey()));
        });
        List<String> replace = new ArrayList<>();
        node.path("replace").forEach(r -> replace.add(r.asText()));
        for (String r : replace) {
            ValueExpression e = columns.get(r);
            if (e == null || e.usesRow()) {
                throw new TaskFileException(where + ".replace: '" + r
                        + "' must be one of the columns and must not depend on $row");
            }
        }
        if (replace.isEmpty()) {
            throw new TaskFileException(where + ": replace must name the columns that identify an item's rows "
                    + "(e.g. [article_id]) so a new answer replaces the old one");
        }
        return new TaskDefinition.Output(table, List.copyOf(replace), rows, columns);
    }

    private static JsonSchemaSpec schema(JsonNode node, String where) {
        if (!node.isObject() || !"object".equals(node.path("type").asText())) {
            throw new TaskFileException(where + ": must be a JSON schema of type object");
        }
        try {
            return new JsonSchemaSpec((ObjectNode) node);
        } catch (RuntimeException e) {
            throw new TaskFileException(where + ": not a usable JSON schema: " + e.getMessage());
        }
    }

    private static JsonNode required(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw new TaskFileException(where + ": " + key + " is required");
        }
        return v;
    }

    private static String text(JsonNode node, String key, String where, boolean required) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
            if (required) {
                throw new TaskFileException(where + ": " + key + " is required");
            }
            return null;
        }
        if (!v.isValueNode()) {
            throw new TaskFileException(where + ": " + key + " must be a text value");
        }
        return v.asText();
    }

    private static String orElse(String a, String b) {
        return a != null ? a : b;
    }
}
