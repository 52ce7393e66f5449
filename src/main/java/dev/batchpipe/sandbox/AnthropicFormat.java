package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.sandbox.BatchRecord.Phase;
import java.io.IOException;

/** Anthropic's wire format: Messages API bodies, message batches and their result lines. */
final class AnthropicFormat extends BatchFormat {

    AnthropicFormat(TokenCounting counting) {
        super(Provider.ANTHROPIC, "params", counting);
    }

    @Override
    public ParsedRequest parse(JsonNode body, String endpoint, String batchModel) {
        if (!body.isObject()) {
            throw ApiError.invalid("params: Input should be an object");
        }
        String model = Json.text(body, "model");
        if (model == null || model.isBlank()) {
            throw ApiError.invalid("model: Field required");
        }
        Long maxTokens = Json.integer(body, "max_tokens");
        if (maxTokens == null || maxTokens < 1) {
            throw ApiError.invalid("max_tokens: Field required");
        }
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("messages: Field required");
        }
        Prompts prompts = new Prompts().add(body.get("system"), false);
        for (JsonNode m : messages) {
            prompts.add(m.get("content"), "user".equals(m.path("role").asText()));
        }
        ParsedRequest req = ParsedRequest.text(model, prompts.all(), prompts.user(),
                (int) Math.min(maxTokens, 1_000_000));
        JsonNode choice = body.path("tool_choice");
        String choiceType = choice.path("type").asText();
        JsonNode tools = body.path("tools");
        if ("tool".equals(choiceType)) {
            String name = choice.path("name").asText();
            for (JsonNode tool : Json.elements(tools)) {
                if (name.equals(tool.path("name").asText())) {
                    return req.withTool(name, tool.path("input_schema"));
                }
            }
            throw ApiError.invalid("tool_choice: tool '" + name + "' not found in tools");
        }
        if ("any".equals(choiceType) && tools.isArray() && !tools.isEmpty()) {
            return req.withTool(tools.get(0).path("name").asText(), tools.get(0).path("input_schema"));
        }
        JsonNode outputFormat = body.path("output_format");
        if ("json_schema".equals(outputFormat.path("type").asText()) && outputFormat.path("schema").isObject()) {
            return req.withSchema(outputFormat.get("schema"));
        }
        return req;
    }

    @Override
    public ObjectNode render(ParsedRequest req, Answers.Answer answer, String endpoint, long now) {
        ObjectNode msg = Json.object();
        msg.put("id", Ids.seeded("msg_01", answer.seed(), 22));
        msg.put("type", "message");
        msg.put("role", "assistant");
        msg.put("model", req.model());
        ObjectNode block = msg.putArray("content").addObject();
        if (req.kind() == ParsedRequest.Kind.TOOL) {
            block.put("type", "tool_use");
            block.put("id", Ids.seeded("toolu_01", answer.seed(), 22));
            block.put("name", req.toolName());
            block.set("input", answer.structured());
        } else {
            block.put("type", "text");
            block.put("text", answer.text());
        }
        msg.put("stop_reason", req.kind() == ParsedRequest.Kind.TOOL ? "tool_use" : "end_turn");
        msg.putNull("stop_sequence");
        ObjectNode usage = msg.putObject("usage");
        usage.put("input_tokens", answer.inputTokens());
        usage.put("output_tokens", answer.outputTokens());
        usage.put("cache_creation_input_tokens", 0);
        usage.put("cache_read_input_tokens", 0);
        return msg;
    }

    @Override
    public void writeSuccess(BatchRecord batch, JsonNode line, ObjectNode response, ResultFiles out)
            throws IOException {
        ObjectNode result = resultLine(line, "succeeded");
        ((ObjectNode) result.get("result")).set("message", response);
        out.output(result);
    }

    @Override
    public void writeFailure(BatchRecord batch, JsonNode line, ApiError error, ResultFiles out) throws IOException {
        ObjectNode result = resultLine(line, "errored");
        ((ObjectNode) result.get("result")).set("error", errorBody(error, null));
        out.output(result);
    }

    @Override
    public void writeUnfinished(BatchRecord batch, JsonNode line, Phase phase, ResultFiles out) throws IOException {
        out.output(resultLine(line, phase == Phase.EXPIRED ? "expired" : "canceled"));
    }

    private static ObjectNode resultLine(JsonNode line, String type) {
        ObjectNode result = Json.object();
        result.put("custom_id", line.path("custom_id").asText());
        result.putObject("result").put("type", type);
        return result;
    }

    @Override
    public String state(Phase phase) {
        if (phase.terminal()) {
            return "ended";
        }
        return phase == Phase.CANCELLING ? "canceling" : "in_progress";
    }

    /** Anthropic's error body; {@code requestId} null leaves it out (result lines carry none). */
    static ObjectNode errorBody(ApiError e, String requestId) {
        ObjectNode body = Json.object();
        body.put("type", "error");
        body.putObject("error").put("type", switch (e.kind) {
            case UNAUTHENTICATED -> "authentication_error";
            case FORBIDDEN -> "permission_error";
            case NOT_FOUND -> "not_found_error";
            case TOO_LARGE -> "request_too_large";
            case RATE_LIMITED -> "rate_limit_error";
            case INTERNAL, BAD_GATEWAY -> "api_error";
            case UNAVAILABLE, OVERLOADED -> "overloaded_error";
            default -> "invalid_request_error";
        }).put("message", e.getMessage());
        if (requestId != null) {
            body.put("request_id", requestId);
        }
        return body;
    }

    /** The batch object; {@code base} is the URL the client reached the sandbox at, for {@code results_url}. */
    ObjectNode batchJson(BatchRecord b, String base) {
        ObjectNode o = Json.object();
        o.put("id", b.id);
        o.put("type", "message_batch");
        o.put("processing_status", state(b.phase));
        int processing = b.phase.terminal() ? 0 : b.total - b.done();
        o.putObject("request_counts").put("processing", processing).put("succeeded", b.succeeded)
                .put("errored", b.errored).put("canceled", b.cancelled).put("expired", b.expired);
        Long ended = b.endedAt();
        if (ended == null) {
            o.putNull("ended_at");
        } else {
            o.put("ended_at", Json.rfc3339(ended));
        }
        o.put("created_at", Json.rfc3339(b.createdAt));
        o.put("expires_at", Json.rfc3339(b.expiresAt));
        o.putNull("archived_at");
        if (b.cancellingAt == null) {
            o.putNull("cancel_initiated_at");
        } else {
            o.put("cancel_initiated_at", Json.rfc3339(b.cancellingAt));
        }
        if (b.phase.terminal()) {
            o.put("results_url", base + "/v1/messages/batches/" + b.id + "/results");
        } else {
            o.putNull("results_url");
        }
        return o;
    }
}
