package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.image.ImageData;
import dev.batchpipe.image.ImagePart;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anthropic's Message Batches API. Requests travel inline in the create call (streamed from the batch file); the
 * answer is forced through one tool whose input schema is the task's schema.
 *
 * <p>What every request of a task shares comes first and is marked for prompt caching: the tool (the schema), then
 * the system prompt, whose block carries {@code cache_control} (Anthropic caches tools, then system, then messages, up
 * to the marked block). A system prompt with placeholders differs per item: only its part before the first one goes
 * in the marked block, the rest in a block of its own after it; with no such part, the tool is the marked block. Inside a batch the cache lives an hour ({@code "ttl":"1h"}), as a batch's lines may be
 * processed far apart; a realtime call keeps the default five minutes, its job's calls coming seconds apart. A prefix
 * shorter than the model's minimum is simply not cached.
 *
 * <p>Anthropic batches carry no metadata, so a batch created just before a crash is recognised by its size and age
 * alone ({@link #findCreated}). To make a wrong guess harmless, custom ids on the wire carry this installation's
 * prefix ({@code bp-<installation>-r12s1}): result lines of another installation's batch decode to ids that are not
 * ours and are ignored, and the pipeline resubmits whatever stayed unanswered.
 */
public final class AnthropicBatchProvider extends HttpBatchProvider {

    private static final Logger LOG = LoggerFactory.getLogger(AnthropicBatchProvider.class);
    static final String VERSION = "2023-06-01";
    private static final int MAX_TOOL_NAME = 64;

    public record Settings(Supplier<String> baseUrl, Supplier<String> apiKey, String customIdPrefix,
                           ProviderLimits limits) {
    }

    private static final Map<String, ProviderBatch.State> STATES = Map.of(
            "in_progress", ProviderBatch.State.RUNNING,
            "canceling", ProviderBatch.State.CANCELLING,
            "ended", ProviderBatch.State.COMPLETED);
    private static final Listing BATCHES = new Listing("/v1/messages/batches", "limit", "after_id", "data",
            HttpBatchProvider::lastIdWhileMore);

    private final Settings settings;

    public AnthropicBatchProvider(Settings settings, ProviderHttp http) {
        super(http, AnthropicBatchProvider::decodeError);
        this.settings = settings;
    }

    @Override
    public String name() {
        return "anthropic";
    }

    @Override
    public ProviderLimits limits() {
        return settings.limits();
    }

    /** Anthropic has no embeddings API: tasks that need one are refused at load ({@link Providers#refusal}). */
    @Override
    public boolean embeds() {
        return false;
    }

    /** 5 MB per image, measured on its base64 text: 3.75 MiB of bytes. */
    @Override
    public long maxImageBytes() {
        return (5L << 20) / 4 * 3;
    }

    @Override
    public byte[] encode(BatchRequest r) {
        ObjectNode line = ProviderHttp.JSON.createObjectNode();
        line.put("custom_id", settings.customIdPrefix() + r.customId());
        line.set("params", params(r, "1h"));
        return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code POST /v1/messages} with the Messages API parameters a batch line carries. */
    @Override
    public ProviderRequest realtime(BatchRequest r) {
        return httpPost("/v1/messages", params(r, null));
    }

    /** The answer is the message a batch result line carries under {@code result.message}. */
    @Override
    public ResultLine answer(String customId, JsonNode body) {
        ObjectNode line = ProviderHttp.JSON.createObjectNode().put("custom_id", customId);
        line.putObject("result").put("type", "succeeded").set("message", body);
        return decodeLine(line, "", false);
    }

    /** The Messages API parameters; {@code cacheTtl}: the prompt cache's lifetime (null: Anthropic's default). */
    private static ObjectNode params(BatchRequest r, String cacheTtl) {
        if (r.embedding()) {
            throw new IllegalArgumentException(Providers.noEmbeddings("anthropic"));
        }
        ObjectNode params = ProviderHttp.JSON.createObjectNode();
        params.put("model", r.model());
        params.put("max_tokens", r.maxOutputTokens());
        // the cache keeps the prompt up to the marked block: the system's shared part if it has one, else the tool
        String shared = r.sharedSystem() == null || r.sharedSystem().isBlank() ? "" : r.sharedSystem();
        if (r.system() != null && !r.system().isBlank()) {
            ArrayNode system = params.putArray("system");
            if (!shared.isEmpty()) {
                cacheControl(system.addObject().put("type", "text").put("text", shared), cacheTtl);
            }
            String rest = r.system().substring(shared.length());
            if (!rest.isBlank()) {
                system.addObject().put("type", "text").put("text", rest);
            }
        }
        ObjectNode user = params.putArray("messages").addObject().put("role", "user");
        if (r.images().isEmpty()) {
            user.put("content", r.user());
        } else {
            ArrayNode content = user.putArray("content");
            for (ImagePart image : r.images()) {
                content.addObject().put("type", "image").putObject("source").put("type", "base64")
                        .put("media_type", image.mediaType()).put("data", ImageData.placeholder(image));
            }
            content.addObject().put("type", "text").put("text", r.user());
        }
        if (r.temperature() != null) {
            params.put("temperature", r.temperature());
        }
        String tool = r.schemaName().length() > MAX_TOOL_NAME ? r.schemaName().substring(0, MAX_TOOL_NAME) : r.schemaName();
        ObjectNode toolBlock = params.putArray("tools").addObject().put("name", tool)
                .put("description", "Records the answer in the required structure.");
        toolBlock.set("input_schema", r.schema());
        if (shared.isEmpty()) {
            cacheControl(toolBlock, cacheTtl);
        }
        params.putObject("tool_choice").put("type", "tool").put("name", tool);
        return params;
    }

    private static void cacheControl(ObjectNode block, String ttl) {
        ObjectNode cache = block.putObject("cache_control").put("type", "ephemeral");
        if (ttl != null) {
            cache.put("ttl", ttl);
        }
    }

    /** Nothing to upload: the requests go with {@link #create}. */
    @Override
    public String upload(Path jsonl, String displayName) {
        return null;
    }

    @Override
    public ProviderBatch create(String model, String endpoint, String inputFileId, Path jsonl, int count, String tag) {
        // the batch file's lines are the request objects themselves: the body is the file with commas between lines
        // a 429 means nothing was created and may be retried; anything else is resolved through findCreated
        return parse(http.json(httpPost("/v1/messages/batches",
                JsonArrayBody.of(jsonl, "{\"requests\":[", UnaryOperator.identity(), "]}"))
                .retry(ProviderHttp.Retry.RATE_LIMITS)));
    }

    /**
     * Anthropic batches carry no tag: the candidates are the batches created since {@code since} that hold exactly
     * our request count and are not recorded for another batch of ours. Only a single candidate is adopted; with
     * none or several the batch is created (again), since guessing among several could hold our requests back in a
     * stranger's batch until it ends.
     */
    @Override
    public Optional<ProviderBatch> findCreated(Lookup lookup) {
        List<ProviderBatch> candidates = list(BATCHES).map(AnthropicBatchProvider::parse)
                .takeWhile(b -> b.createdAt() == null || !b.createdAt().isBefore(lookup.since())) // newest first
                .filter(b -> b.total() == lookup.requestCount() && !lookup.recordedElsewhere().test(b.id()))
                .toList();
        if (candidates.size() > 1) {
            LOG.warn("{} batches of {} requests were created since {}; none is adopted for {}: {}", candidates.size(),
                    lookup.requestCount(), lookup.since(), lookup.tag(), candidates.stream().map(ProviderBatch::id).toList());
        }
        return candidates.size() == 1 ? Optional.of(candidates.get(0)) : Optional.empty();
    }

    @Override
    public ProviderBatch get(String id) {
        return parse(http.json(httpGet("/v1/messages/batches/" + id)));
    }

    @Override
    public void cancel(String id) {
        http.json(httpPost("/v1/messages/batches/" + id + "/cancel"));
    }

    /**
     * Streams the results from the documented path under the configured base URL rather than from
     * {@code results_url}, so the API key is never sent to a host it was not configured for.
     */
    @Override
    public ResultStream results(ProviderBatch batch) {
        String prefix = settings.customIdPrefix();
        return new JsonLineResults(List.of(() -> http.stream(httpGet("/v1/messages/batches/" + batch.id() + "/results"))),
                line -> decodeLine(line, prefix, true));
    }

    /**
     * One result line; {@code prefix} is taken off our custom ids (others stay as they are, and are not ours).
     * {@code inBatch}: the line is a batch's, whose cache writes are for an hour (a realtime call's for five minutes).
     */
    static ResultLine decodeLine(JsonNode line, String prefix, boolean inBatch) {
        String wireId = line.path("custom_id").asText();
        String customId = wireId.startsWith(prefix) ? wireId.substring(prefix.length()) : wireId;
        JsonNode result = line.path("result");
        String type = result.path("type").asText();
        return switch (type) {
            case "succeeded" -> succeeded(customId, result.path("message"), line, inBatch);
            case "errored" -> {
                JsonNode error = result.path("error").path("error");
                String errorType = error.path("type").asText("");
                yield ResultLine.failed(customId, ResultLine.Outcome.ERRORED, failureOf(errorType),
                        errorType + ": " + error.path("message").asText(""), ResultLine.Usage.NONE, line);
            }
            case "canceled" -> ResultLine.failed(customId, ResultLine.Outcome.CANCELLED, ResultLine.Failure.TRANSIENT,
                    "the batch was canceled before this request ran", ResultLine.Usage.NONE, line);
            case "expired" -> ResultLine.failed(customId, ResultLine.Outcome.EXPIRED, ResultLine.Failure.TRANSIENT,
                    "the batch expired before this request ran", ResultLine.Usage.NONE, line);
            default -> ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.TRANSIENT,
                    "unknown result type '" + type + "'", ResultLine.Usage.NONE, line);
        };
    }

    private static ResultLine succeeded(String customId, JsonNode message, JsonNode line, boolean inBatch) {
        ResultLine.Usage usage = usage(message.path("usage"), inBatch);
        String stop = message.path("stop_reason").asText("");
        if (stop.equals("max_tokens")) {
            return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                    "answer cut off at max_tokens", usage, line);
        }
        for (JsonNode block : message.path("content")) {
            if ("tool_use".equals(block.path("type").asText())) {
                return ResultLine.succeeded(customId, block.path("input").toString(), usage, line);
            }
        }
        return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                stop.equals("refusal") ? "model refused" : "the answer holds no tool_use block (stop_reason " + stop + ")",
                usage, line);
    }

    /** The request's own problem, the provider's, or a request the provider will never take. */
    static ResultLine.Failure failureOf(String errorType) {
        return switch (errorType) {
            case "invalid_request_error" -> ResultLine.Failure.INVALID_REQUEST;
            case "overloaded_error", "api_error", "rate_limit_error" -> ResultLine.Failure.TRANSIENT;
            default -> ResultLine.Failure.REQUEST;
        };
    }

    /**
     * Cache writes and reads are input too, each at its own price. The writes are split by lifetime where the usage
     * says ({@code cache_creation.ephemeral_5m_input_tokens} / {@code ephemeral_1h_input_tokens}); otherwise they are
     * all of the lifetime we asked for: an hour in a batch ({@code inBatch}), five minutes in a realtime call.
     */
    static ResultLine.Usage usage(JsonNode u, boolean inBatch) {
        int cacheRead = u.path("cache_read_input_tokens").asInt();
        int writes = u.path("cache_creation_input_tokens").asInt();
        JsonNode split = u.path("cache_creation");
        int longWrites = split.isObject() ? split.path("ephemeral_1h_input_tokens").asInt() : inBatch ? writes : 0;
        int shortWrites = split.isObject() ? split.path("ephemeral_5m_input_tokens").asInt() : writes - longWrites;
        return new ResultLine.Usage(u.path("input_tokens").asInt() + writes + cacheRead, u.path("output_tokens").asInt(),
                cacheRead, shortWrites, longWrites);
    }

    static ProviderBatch parse(JsonNode b) {
        String status = b.path("processing_status").asText();
        JsonNode counts = b.path("request_counts");
        int succeeded = counts.path("succeeded").asInt();
        int errored = counts.path("errored").asInt();
        int canceled = counts.path("canceled").asInt();
        int expired = counts.path("expired").asInt();
        ProviderBatch.State state = state(STATES, status);
        if (state == ProviderBatch.State.COMPLETED) {
            // "ended" says only that nothing runs any more; why is told by the cancel time and the counts
            state = ProviderJson.text(b, "cancel_initiated_at") != null ? ProviderBatch.State.CANCELLED
                    : expired > 0 ? ProviderBatch.State.EXPIRED : ProviderBatch.State.COMPLETED;
        }
        return new ProviderBatch(b.path("id").asText(), state, status,
                counts.path("processing").asInt() + succeeded + errored + canceled + expired,
                succeeded, errored + canceled + expired,
                null, ProviderJson.text(b, "results_url"), null, null, null, null,
                ProviderJson.rfc3339(b.get("created_at")), ProviderJson.rfc3339(b.get("expires_at")), counts.toString(),
                0);
    }

    static ProviderException decodeError(int status, String body) {
        return ProviderJson.error(status, body, err -> err.path("type").asText(null));
    }

    @Override
    protected String baseUrl() {
        return settings.baseUrl().get();
    }

    @Override
    protected Map<String, String> headers() {
        return Map.of("x-api-key", settings.apiKey().get(), "anthropic-version", VERSION);
    }
}
