package dev.batchpipe.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.sandbox.BatchRecord.Phase;
import dev.batchpipe.sandbox.BatchRecord.Problem;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** OpenAI's wire format: chat completions, responses and embeddings bodies, batch lines and objects, files. */
final class OpenAiFormat extends BatchFormat {

    static final String CHAT = "/v1/chat/completions";
    static final String RESPONSES = "/v1/responses";
    static final String EMBEDDINGS = "/v1/embeddings";
    static final Set<String> ENDPOINTS = Set.of(CHAT, RESPONSES, EMBEDDINGS);
    /** The problems OpenAI lists for one file before it stops reading. */
    private static final int MAX_PROBLEMS = 10;
    private static final int DEFAULT_EMBEDDING_DIMENSIONS = 1536;

    /** Azure writes endpoints and line URLs without the version: {@code /chat/completions}. */
    static String normalise(String endpoint) {
        return endpoint.startsWith("/v1/") ? endpoint : "/v1" + (endpoint.startsWith("/") ? "" : "/") + endpoint;
    }

    OpenAiFormat(TokenCounting counting) {
        super(Provider.OPENAI, "body", counting);
    }

    @Override
    public ParsedRequest parse(JsonNode body, String endpoint, String batchModel) {
        if (!body.isObject()) {
            throw ApiError.invalid("The request body must be a JSON object.");
        }
        String model = Json.text(body, "model");
        if (model == null || model.isBlank()) {
            throw ApiError.invalid("you must provide a model parameter", "model");
        }
        return switch (endpoint) {
            case CHAT -> chat(body, model);
            case RESPONSES -> responses(body, model);
            case EMBEDDINGS -> embeddings(body, model);
            default -> throw ApiError.invalid("Unsupported endpoint " + endpoint, "url");
        };
    }

    private static ParsedRequest chat(JsonNode body, String model) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("Missing required parameter: 'messages'.", "messages");
        }
        Prompts prompts = new Prompts();
        for (JsonNode m : messages) {
            prompts.add(m.get("content"), "user".equals(m.path("role").asText()));
        }
        Long max = Json.integer(body, "max_completion_tokens", "max_tokens");
        ParsedRequest req = ParsedRequest.text(model, prompts.all(), prompts.user(), maxTokens(max));
        JsonNode format = body.get("response_format");
        String formatType = format == null ? null : format.path("type").asText();
        if ("json_schema".equals(formatType)) {
            JsonNode schema = format.path("json_schema").get("schema");
            if (schema == null || !schema.isObject()) {
                throw ApiError.invalid("Missing required parameter: 'response_format.json_schema.schema'.",
                        "response_format.json_schema.schema");
            }
            return req.withSchema(schema);
        }
        if ("json_object".equals(formatType)) {
            return req.withKind(ParsedRequest.Kind.JSON_OBJECT);
        }
        String forced = body.path("tool_choice").path("function").path("name").asText(null);
        if (forced != null) {
            for (JsonNode tool : Json.elements(body.get("tools"))) {
                JsonNode fn = tool.path("function");
                if (forced.equals(fn.path("name").asText())) {
                    return req.withTool(forced, fn.path("parameters"));
                }
            }
            throw ApiError.invalid("Invalid 'tool_choice': no function named '" + forced + "' in 'tools'.",
                    "tool_choice");
        }
        return req;
    }

    private static ParsedRequest responses(JsonNode body, String model) {
        JsonNode input = body.get("input");
        if (input == null) {
            throw ApiError.invalid("Missing required parameter: 'input'.", "input");
        }
        Prompts prompts = new Prompts();
        prompts.add(body.get("instructions"), false);
        if (input.isTextual()) {
            prompts.add(input, true);
        } else {
            for (JsonNode item : input) {
                prompts.add(item.get("content"), !item.has("role") || "user".equals(item.path("role").asText()));
            }
        }
        ParsedRequest req = ParsedRequest.text(model, prompts.all(), prompts.user(),
                maxTokens(Json.integer(body, "max_output_tokens")));
        JsonNode format = body.path("text").path("format");
        String type = format.path("type").asText();
        if ("json_schema".equals(type)) {
            JsonNode schema = format.get("schema");
            if (schema == null || !schema.isObject()) {
                throw ApiError.invalid("Missing required parameter: 'text.format.schema'.", "text.format.schema");
            }
            return req.withSchema(schema);
        }
        return "json_object".equals(type) ? req.withKind(ParsedRequest.Kind.JSON_OBJECT) : req;
    }

    private static ParsedRequest embeddings(JsonNode body, String model) {
        JsonNode input = body.get("input");
        if (input == null || (input.isArray() && input.isEmpty())) {
            throw ApiError.invalid("Missing required parameter: 'input'.", "input");
        }
        Prompts prompts = new Prompts();
        int inputs = 1;
        if (input.isArray()) {
            inputs = input.size();
            for (JsonNode i : input) {
                // an input may be a list of token ids; count it as text of the same length
                prompts.add(i.isTextual() ? i : Json.MAPPER.getNodeFactory().textNode(i.toString()), true);
            }
        } else {
            prompts.add(input, true);
        }
        Long dims = Json.integer(body, "dimensions");
        return new ParsedRequest(model, prompts.all(), prompts.user(), ParsedRequest.Kind.EMBEDDING, null, null, 0,
                inputs, dims == null ? DEFAULT_EMBEDDING_DIMENSIONS : (int) Math.max(1, Math.min(dims, 8192)));
    }

    private static int maxTokens(Long max) {
        return max == null ? Tokens.DEFAULT_MAX_OUTPUT_TOKENS : (int) Math.max(1, Math.min(max, 1_000_000));
    }

    @Override
    public ObjectNode render(ParsedRequest req, Answers.Answer answer, String endpoint, long now) {
        return switch (endpoint) {
            case RESPONSES -> responseBody(req, answer, now);
            case EMBEDDINGS -> embeddingBody(req, answer);
            default -> chatBody(req, answer, now);
        };
    }

    private static ObjectNode chatBody(ParsedRequest req, Answers.Answer answer, long now) {
        ObjectNode body = Json.object();
        body.put("id", Ids.seeded("chatcmpl-", answer.seed(), 29));
        body.put("object", "chat.completion");
        body.put("created", Json.unix(now));
        body.put("model", req.model());
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (req.kind() == ParsedRequest.Kind.TOOL) {
            message.putNull("content");
            ObjectNode call = message.putArray("tool_calls").addObject();
            call.put("id", Ids.seeded("call_", answer.seed(), 24));
            call.put("type", "function");
            call.putObject("function").put("name", req.toolName()).put("arguments", answer.text());
        } else {
            message.put("content", answer.text());
        }
        message.putNull("refusal");
        message.putArray("annotations");
        choice.putNull("logprobs");
        choice.put("finish_reason", req.kind() == ParsedRequest.Kind.TOOL ? "tool_calls" : "stop");
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", answer.inputTokens());
        usage.put("completion_tokens", answer.outputTokens());
        usage.put("total_tokens", answer.inputTokens() + answer.outputTokens());
        usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
                .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
        body.put("service_tier", "default");
        body.put("system_fingerprint", "fp_sandbox");
        return body;
    }

    private static ObjectNode responseBody(ParsedRequest req, Answers.Answer answer, long now) {
        ObjectNode body = Json.object();
        body.put("id", Ids.seeded("resp_", answer.seed(), 40));
        body.put("object", "response");
        body.put("created_at", Json.unix(now));
        body.put("status", "completed");
        body.putNull("error");
        body.putNull("incomplete_details");
        body.put("model", req.model());
        ObjectNode message = body.putArray("output").addObject();
        message.put("type", "message");
        message.put("id", Ids.seeded("msg_", answer.seed(), 40));
        message.put("status", "completed");
        message.put("role", "assistant");
        message.putArray("content").addObject().put("type", "output_text").put("text", answer.text())
                .putArray("annotations");
        ObjectNode usage = body.putObject("usage");
        usage.put("input_tokens", answer.inputTokens());
        usage.putObject("input_tokens_details").put("cached_tokens", 0);
        usage.put("output_tokens", answer.outputTokens());
        usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
        usage.put("total_tokens", answer.inputTokens() + answer.outputTokens());
        return body;
    }

    private static ObjectNode embeddingBody(ParsedRequest req, Answers.Answer answer) {
        ObjectNode body = Json.object();
        body.put("object", "list");
        body.set("data", Answers.embeddings(answer, req.embeddingInputs(), req.dimensions()));
        body.put("model", req.model());
        body.putObject("usage").put("prompt_tokens", answer.inputTokens()).put("total_tokens", answer.inputTokens());
        return body;
    }

    @Override
    public void writeSuccess(BatchRecord batch, JsonNode line, ObjectNode response, ResultFiles out)
            throws IOException {
        out.output(resultLine(line, 200, response));
    }

    @Override
    public void writeFailure(BatchRecord batch, JsonNode line, ApiError error, ResultFiles out) throws IOException {
        out.error(resultLine(line, error.kind.status, errorBody(error)));
    }

    private static ObjectNode resultLine(JsonNode line, int status, ObjectNode body) {
        ObjectNode result = Json.object();
        result.put("id", Ids.openAiBatchRequest());
        result.put("custom_id", line.path("custom_id").asText());
        ObjectNode response = result.putObject("response");
        response.put("status_code", status);
        response.put("request_id", Ids.openAiRequest());
        response.set("body", body);
        result.putNull("error");
        return result;
    }

    @Override
    public void writeUnfinished(BatchRecord batch, JsonNode line, Phase phase, ResultFiles out) throws IOException {
        ObjectNode result = Json.object();
        result.put("id", Ids.openAiBatchRequest());
        result.put("custom_id", line.path("custom_id").asText());
        result.putNull("response");
        boolean expired = phase == Phase.EXPIRED;
        result.putObject("error")
                .put("code", expired ? "batch_expired" : "batch_cancelled")
                .put("message", expired ? "This request could not be executed before the completion window expired."
                        : "This request was not executed because the batch was cancelled.");
        out.error(result);
    }

    @Override
    public String state(Phase phase) {
        return phase.name().toLowerCase(Locale.ROOT);
    }

    /** OpenAI's error body: {@code {"error":{"message","type","param","code"}}}. */
    static ObjectNode errorBody(ApiError e) {
        ObjectNode body = Json.object();
        ObjectNode err = body.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", switch (e.kind) {
            case RATE_LIMITED -> "requests";
            case INTERNAL, BAD_GATEWAY, UNAVAILABLE, OVERLOADED -> "server_error";
            default -> "invalid_request_error";
        });
        err.put("param", e.param);
        err.put("code", e.code != null ? e.code : e.kind == ApiError.Kind.RATE_LIMITED ? "rate_limit_exceeded" : null);
        return body;
    }

    @Override
    public Validation validate(BatchRecord batch, Path requests, int maxRequests) throws IOException {
        List<Problem> problems = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        List<String> idList = new ArrayList<>();
        Map<String, Long> tokens = new LinkedHashMap<>();
        String model = null;
        int lineNo = 0;
        try (LineReader reader = new LineReader(requests, 0)) {
            for (byte[] bytes; problems.size() < MAX_PROBLEMS && (bytes = reader.next()) != null; ) {
                lineNo++;
                if (lineNo > maxRequests) {
                    problems.add(new Problem("too_many_tasks", "The batch input file contains more than "
                            + maxRequests + " requests.", null, lineNo));
                    break;
                }
                JsonNode line;
                try {
                    line = Json.MAPPER.readTree(bytes);
                } catch (JsonProcessingException e) {
                    problems.add(new Problem("invalid_json_line", "This line is not parseable as valid JSON.", null,
                            lineNo));
                    continue;
                }
                String problem = lineProblem(line, batch.endpoint);
                if (problem != null) {
                    problems.add(new Problem("missing_required_parameter", problem, null, lineNo));
                    continue;
                }
                String id = line.get("custom_id").asText();
                String url = normalise(line.get("url").asText());
                String lineModel = line.path("body").path("model").asText();
                if (!ids.add(id)) {
                    problems.add(new Problem("duplicate_custom_id", "The custom_id for this request is a duplicate "
                            + "of another request. The custom_id parameter must be unique for each request in a "
                            + "batch.", "custom_id", lineNo));
                } else if (!url.equals(batch.endpoint)) {
                    problems.add(new Problem("url_mismatch", "The provided URL '" + url + "' does not match the "
                            + "batch endpoint '" + batch.endpoint + "'.", "url", lineNo));
                } else if (model != null && !model.equals(lineModel)) {
                    problems.add(new Problem("model_mismatch", "The provided model '" + lineModel + "' does not "
                            + "match the model '" + model + "' of the other requests in this batch.", "body.model",
                            lineNo));
                } else {
                    model = lineModel;
                    idList.add(id);
                    tokens.merge(model, estimate(line.get("body"), batch.endpoint, null), Long::sum);
                }
            }
        }
        if (lineNo == 0) {
            problems.add(new Problem("empty_file", "The batch input file is empty.", null, null));
        }
        if (model != null) {
            synchronized (batch) {
                batch.model = model;
            }
        }
        return new Validation(problems, lineNo, tokens, idList);
    }


    private static String lineProblem(JsonNode line, String endpoint) {
        if (!line.isObject()) {
            return "Each line must be a JSON object.";
        }
        for (String field : new String[] {"custom_id", "method", "url"}) {
            if (!line.path(field).isTextual() || line.path(field).asText().isEmpty()) {
                return "Missing required parameter: '" + field + "'.";
            }
        }
        if (!"POST".equals(line.get("method").asText())) {
            return "Only POST requests are supported; got method '" + line.get("method").asText() + "'.";
        }
        if (!line.path("body").isObject()) {
            return "Missing required parameter: 'body'.";
        }
        if (!line.path("body").path("model").isTextual()) {
            return "Missing required parameter: 'body.model'.";
        }
        return null;
    }

    @Override
    public void publishResults(BatchRecord batch, DataDirectory data, long now) throws IOException {
        String outputId = null;
        String errorId = null;
        long outputBytes;
        long errorBytes;
        synchronized (batch) {
            outputBytes = batch.outputBytes;
            errorBytes = batch.errorBytes;
        }
        if (outputBytes > 0) {
            outputId = publish(data, batch, batch.outputFile, "output", outputBytes, now);
        }
        if (errorBytes > 0) {
            errorId = publish(data, batch, batch.errorFile, "error", errorBytes, now);
        }
        synchronized (batch) {
            batch.outputFileId = outputId;
            batch.errorFileId = errorId;
        }
    }

    private static String publish(DataDirectory data, BatchRecord batch, String dataFile, String kind, long bytes, long now)
            throws IOException {
        FileRecord f = FileRecord.of(Ids.openAiFile(), Provider.OPENAI, dataFile, bytes, now);
        f.purpose = "batch_output";
        f.filename = batch.id + "_" + kind + ".jsonl";
        data.saveFile(f);
        return f.id;
    }

    static ObjectNode fileJson(FileRecord f) {
        ObjectNode o = Json.object();
        o.put("id", f.id);
        o.put("object", "file");
        o.put("bytes", f.bytes);
        o.put("created_at", Json.unix(f.createdAt));
        o.putNull("expires_at");
        o.put("filename", f.filename);
        o.put("purpose", f.purpose);
        o.put("status", "processed");
        o.putNull("status_details");
        return o;
    }

    ObjectNode batchJson(BatchRecord b) {
        ObjectNode o = Json.object();
        o.put("id", b.id);
        o.put("object", "batch");
        o.put("endpoint", b.endpoint);
        o.put("model", b.model);
        if (b.errors.isEmpty()) {
            o.putNull("errors");
        } else {
            ObjectNode errors = o.putObject("errors");
            errors.put("object", "list");
            ArrayNode data = errors.putArray("data");
            for (Problem p : b.errors) {
                ObjectNode e = data.addObject().put("code", p.code()).put("message", p.message()).put("param", p.param());
                if (p.line() == null) {
                    e.putNull("line");
                } else {
                    e.put("line", p.line());
                }
            }
        }
        o.put("input_file_id", b.inputFileId);
        o.put("completion_window", b.completionWindow);
        o.put("status", state(b.phase));
        o.put("output_file_id", b.outputFileId);
        o.put("error_file_id", b.errorFileId);
        o.put("created_at", Json.unix(b.createdAt));
        putTime(o, "in_progress_at", b.inProgressAt);
        o.put("expires_at", Json.unix(b.expiresAt));
        putTime(o, "finalizing_at", b.finalizingAt);
        putTime(o, "completed_at", b.completedAt);
        putTime(o, "failed_at", b.failedAt);
        putTime(o, "expired_at", b.expiredAt);
        putTime(o, "cancelling_at", b.cancellingAt);
        putTime(o, "cancelled_at", b.cancelledAt);
        o.putObject("request_counts").put("total", b.total).put("completed", b.succeeded)
                .put("failed", b.errored + b.expired + b.cancelled);
        ObjectNode usage = o.putObject("usage");
        usage.put("input_tokens", b.inputTokens);
        usage.putObject("input_tokens_details").put("cached_tokens", 0);
        usage.put("output_tokens", b.outputTokens);
        usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
        usage.put("total_tokens", b.inputTokens + b.outputTokens);
        ObjectNode metadata = o.putObject("metadata");
        b.metadata.forEach(metadata::put);
        return o;
    }

    private static void putTime(ObjectNode o, String name, Long epochMillis) {
        if (epochMillis == null) {
            o.putNull(name);
        } else {
            o.put(name, Json.unix(epochMillis));
        }
    }
}
