package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.image.ImageData;
import dev.batchpipe.image.ImagePart;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;

/**
 * The OpenAI Batch API (Files + Batches), also serving OpenAI-compatible bases (Azure OpenAI: api-key header,
 * api-version query, deployment as model; Groq and others: a different base URL and limits).
 */
public final class OpenAiBatchProvider extends HttpBatchProvider {

    static final String TAG_KEY = "batchpipe_batch";
    private static final ContentType JSONL = ContentType.create("application/jsonl");

    public enum Auth { BEARER, API_KEY_HEADER }

    /**
     * @param apiVersion          sent as the {@code api-version} query parameter (Azure), or null
     * @param unversionedEndpoints endpoints are named without {@code /v1} in lines and create ({@code /chat/completions}),
     *                            as Azure names them
     * @param embeddings          whether the API serves {@code /v1/embeddings} (OpenAI and Azure do; Groq does not)
     */
    public record Settings(
            String name,
            Supplier<String> baseUrl,
            Supplier<String> apiKey,
            Auth auth,
            String apiVersion,
            boolean unversionedEndpoints,
            String organization,
            String project,
            String completionWindow,
            ProviderLimits limits,
            boolean embeddings) {

        String endpoint(String endpoint) {
            return unversionedEndpoints && endpoint.startsWith("/v1/") ? endpoint.substring(3) : endpoint;
        }

        /**
         * Only OpenAI's own API documents {@code prompt_cache_key}; Azure deployments and other compatible bases may
         * refuse a field they do not know, and cache on the shared prefix (sent first) anyway.
         */
        boolean promptCacheKey() {
            return name.equals("openai");
        }
    }

    private static final Map<String, ProviderBatch.State> STATES = Map.of(
            "validating", ProviderBatch.State.PENDING,
            "in_progress", ProviderBatch.State.RUNNING,
            "finalizing", ProviderBatch.State.RUNNING,
            "completed", ProviderBatch.State.COMPLETED,
            "failed", ProviderBatch.State.FAILED,
            "expired", ProviderBatch.State.EXPIRED,
            "cancelling", ProviderBatch.State.CANCELLING,
            "cancelled", ProviderBatch.State.CANCELLED);
    private static final Listing BATCHES = new Listing("/batches", "limit", "after", "data",
            HttpBatchProvider::lastIdWhileMore);

    private final Settings settings;

    public OpenAiBatchProvider(Settings settings, ProviderHttp http) {
        super(http, OpenAiBatchProvider::decodeError);
        this.settings = settings;
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public ProviderLimits limits() {
        return settings.limits();
    }

    @Override
    public byte[] encode(BatchRequest r) {
        ObjectNode line = ProviderHttp.JSON.createObjectNode();
        line.put("custom_id", r.customId());
        line.put("method", "POST");
        line.put("url", settings.endpoint(r.endpoint()));
        line.set("body", body(r));
        return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code POST /chat/completions}, {@code /responses} or {@code /embeddings} under the base URL (which ends in /v1,
     * or is Azure's).
     */
    @Override
    public ProviderRequest realtime(BatchRequest r) {
        String path = r.endpoint().startsWith("/v1/") ? r.endpoint().substring(3) : r.endpoint();
        return httpPost(path, body(r));
    }

    @Override
    public boolean embeds() {
        return settings.embeddings();
    }

    private ObjectNode body(BatchRequest r) {
        if (r.embedding()) {
            return embeddingBody(r);
        }
        ObjectNode body = r.endpoint().equals("/v1/responses") ? responsesBody(r) : chatBody(r);
        if (settings.promptCacheKey()) {
            body.put("prompt_cache_key", promptCacheKey(r));
        }
        return body;
    }

    /**
     * Routes the requests of one template version to the same prompt cache: the template's name and a digest of the
     * prefix they share, at most 64 characters.
     */
    static String promptCacheKey(BatchRequest r) {
        String name = r.schemaName().length() > 40 ? r.schemaName().substring(0, 40) : r.schemaName();
        return name + "-" + r.sharedPrefixDigest().substring(0, 16);
    }

    /** One input; {@code dimensions} only when asked for (text-embedding-3 models take it, older ones refuse it). */
    static ObjectNode embeddingBody(BatchRequest r) {
        ObjectNode body = ProviderHttp.JSON.createObjectNode();
        body.put("model", r.model());
        body.put("input", r.user());
        body.put("encoding_format", "float");
        if (r.dimensions() != null) {
            body.put("dimensions", r.dimensions());
        }
        return body;
    }

    /** The answer is the body a batch output line carries under {@code response.body}. */
    @Override
    public ResultLine answer(String customId, JsonNode body) {
        ObjectNode line = ProviderHttp.JSON.createObjectNode().put("custom_id", customId);
        line.putObject("response").put("status_code", 200).set("body", body);
        return decodeLine(line);
    }

    static ObjectNode chatBody(BatchRequest r) {
        ObjectNode body = ProviderHttp.JSON.createObjectNode();
        body.put("model", r.model());
        ArrayNode messages = body.putArray("messages");
        if (r.system() != null && !r.system().isBlank()) {
            messages.addObject().put("role", "system").put("content", r.system());
        }
        ObjectNode user = messages.addObject().put("role", "user");
        if (r.images().isEmpty()) {
            user.put("content", r.user());
        } else {
            ArrayNode content = user.putArray("content");
            for (ImagePart image : r.images()) {
                content.addObject().put("type", "image_url").putObject("image_url").put("url", dataUri(image));
            }
            content.addObject().put("type", "text").put("text", r.user());
        }
        body.put("max_completion_tokens", r.maxOutputTokens());
        if (r.temperature() != null) {
            body.put("temperature", r.temperature());
        }
        ObjectNode schema = body.putObject("response_format").put("type", "json_schema").putObject("json_schema");
        schema.put("name", r.schemaName()).put("strict", true).set("schema", r.schema());
        return body;
    }

    private static String dataUri(ImagePart image) {
        return "data:" + image.mediaType() + ";base64," + ImageData.placeholder(image);
    }

    static ObjectNode responsesBody(BatchRequest r) {
        ObjectNode body = ProviderHttp.JSON.createObjectNode();
        body.put("model", r.model());
        if (r.system() != null && !r.system().isBlank()) {
            body.put("instructions", r.system());
        }
        if (r.images().isEmpty()) {
            body.put("input", r.user());
        } else {
            ArrayNode content = body.putArray("input").addObject().put("role", "user").putArray("content");
            for (ImagePart image : r.images()) {
                content.addObject().put("type", "input_image").put("image_url", dataUri(image));
            }
            content.addObject().put("type", "input_text").put("text", r.user());
        }
        body.put("max_output_tokens", r.maxOutputTokens());
        if (r.temperature() != null) {
            body.put("temperature", r.temperature());
        }
        ObjectNode format = body.putObject("text").putObject("format");
        format.put("type", "json_schema").put("name", r.schemaName()).put("strict", true).set("schema", r.schema());
        return body;
    }

    /** A multipart upload whose file part is streamed from disk. */
    @Override
    public String upload(Path jsonl, String displayName) {
        HttpEntity form = MultipartEntityBuilder.create()
                .addTextBody("purpose", "batch")
                .addBinaryBody("file", jsonl.toFile(), JSONL, displayName + ".jsonl")
                .build();
        return ProviderJson.required(http.json(httpPost("/files", form)), "id", "file upload");
    }

    @Override
    public ProviderBatch create(String model, String endpoint, String inputFileId, Path jsonl, int count, String tag) {
        ObjectNode body = ProviderHttp.JSON.createObjectNode();
        body.put("input_file_id", inputFileId);
        body.put("endpoint", settings.endpoint(endpoint));
        body.put("completion_window", settings.completionWindow());
        body.putObject("metadata").put(TAG_KEY, tag);
        // a 429 means nothing was created and may be retried; anything else is resolved through findCreated
        return parse(http.json(httpPost("/batches", body).retry(ProviderHttp.Retry.RATE_LIMITS)));
    }

    /** The list is newest first: batches older than {@code since} cannot be ours, and end the search. */
    @Override
    public Optional<ProviderBatch> findCreated(Lookup lookup) {
        return list(BATCHES).map(OpenAiBatchProvider::parse)
                .takeWhile(b -> lookup.tag().equals(b.tag()) || b.createdAt() == null
                        || !b.createdAt().isBefore(Instant.ofEpochSecond(lookup.since().getEpochSecond())))
                .filter(b -> lookup.tag().equals(b.tag()))
                .findFirst();
    }

    @Override
    public ProviderBatch get(String id) {
        return parse(http.json(httpGet("/batches/" + id)));
    }

    @Override
    public void cancel(String id) {
        http.json(httpPost("/batches/" + id + "/cancel"));
    }

    @Override
    public ResultStream results(ProviderBatch batch) {
        List<Supplier<InputStream>> files = new ArrayList<>();
        for (String fileId : new String[] {batch.outputFileId(), batch.errorFileId()}) {
            if (fileId != null && !fileId.isBlank()) {
                files.add(() -> http.stream(httpGet("/files/" + fileId + "/content")));
            }
        }
        return new JsonLineResults(files, OpenAiBatchProvider::decodeLine);
    }

    /** One output/error file line: a response with a status code, or a non-HTTP error (expired, cancelled). */
    static ResultLine decodeLine(JsonNode line) {
        String customId = line.path("custom_id").asText();
        JsonNode response = line.get("response");
        JsonNode error = line.get("error");
        if (response == null || response.isNull()) {
            String code = error == null ? "" : error.path("code").asText("");
            String message = error == null ? "no response" : code + ": " + error.path("message").asText("");
            return switch (code) {
                case "batch_expired" -> ResultLine.failed(customId, ResultLine.Outcome.EXPIRED, ResultLine.Failure.TRANSIENT,
                        message, ResultLine.Usage.NONE, line);
                case "batch_cancelled" -> ResultLine.failed(customId, ResultLine.Outcome.CANCELLED,
                        ResultLine.Failure.TRANSIENT, message, ResultLine.Usage.NONE, line);
                default -> ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.TRANSIENT, message,
                        ResultLine.Usage.NONE, line);
            };
        }
        int status = response.path("status_code").asInt();
        JsonNode body = response.path("body");
        ResultLine.Usage usage = usage(body.path("usage"));
        if (status != 200) {
            JsonNode err = body.path("error");
            return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.failureOfStatus(status),
                    "HTTP " + status + " " + err.path("code").asText(err.path("type").asText("")) + ": "
                            + err.path("message").asText(""), usage, line);
        }
        if ("list".equals(body.path("object").asText()) && body.has("data")) {
            return embedding(customId, body.path("data").path(0).get("embedding"), usage, line);
        }
        if (body.has("choices")) {
            JsonNode choice = body.path("choices").path(0);
            JsonNode message = choice.path("message");
            if (message.hasNonNull("refusal")) {
                return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                        "model refused: " + message.get("refusal").asText(), usage, line);
            }
            if ("length".equals(choice.path("finish_reason").asText())) {
                return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                        "answer cut off at max_completion_tokens", usage, line);
            }
            return ResultLine.succeeded(customId, message.path("content").asText(null), usage, line);
        }
        // Responses API: the first output_text of the message output item
        for (JsonNode item : body.path("output")) {
            for (JsonNode content : item.path("content")) {
                if ("refusal".equals(content.path("type").asText())) {
                    return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                            "model refused: " + content.path("refusal").asText(), usage, line);
                }
                if ("output_text".equals(content.path("type").asText())) {
                    return ResultLine.succeeded(customId, content.path("text").asText(null), usage, line);
                }
            }
        }
        return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                "response holds no answer text", usage, line);
    }

    /** An embeddings response: the vector of its one input becomes the answer {@code {"embedding": [...]}}. */
    private static ResultLine embedding(String customId, JsonNode vector, ResultLine.Usage usage, JsonNode line) {
        if (vector == null || !vector.isArray()) {
            // base64 would come as a string: we ask for floats
            return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                    "the embeddings response holds no vector of numbers", usage, line);
        }
        return ResultLine.succeeded(customId, ResultLine.embeddingAnswer(vector), usage, line);
    }

    static ResultLine.Usage usage(JsonNode u) {
        if (u.has("prompt_tokens")) {
            return new ResultLine.Usage(u.path("prompt_tokens").asInt(), u.path("completion_tokens").asInt(),
                    u.path("prompt_tokens_details").path("cached_tokens").asInt());
        }
        return new ResultLine.Usage(u.path("input_tokens").asInt(), u.path("output_tokens").asInt(),
                u.path("input_tokens_details").path("cached_tokens").asInt());
    }

    static ProviderBatch parse(JsonNode b) {
        String status = b.path("status").asText();
        ProviderBatch.State state = state(STATES, status.toLowerCase(Locale.ROOT));
        JsonNode counts = b.path("request_counts");
        JsonNode firstError = b.path("errors").path("data").path(0);
        return new ProviderBatch(
                b.path("id").asText(), state, status,
                counts.path("total").asInt(), counts.path("completed").asInt(), counts.path("failed").asInt(),
                b.path("input_file_id").asText(null), ProviderJson.text(b, "output_file_id"), ProviderJson.text(b, "error_file_id"),
                firstError.path("code").asText(null), firstError.path("message").asText(null),
                b.path("metadata").path(TAG_KEY).asText(null),
                epoch(b.path("created_at")), epoch(b.path("expires_at")), counts.toString(),
                b.path("usage").path("input_tokens").asLong(0));
    }

    private static Instant epoch(JsonNode v) {
        return v.isNumber() ? Instant.ofEpochSecond(v.asLong()) : null;
    }

    static ProviderException decodeError(int status, String body) {
        return ProviderJson.error(status, body, err -> err.path("code").asText(err.path("type").asText(null)));
    }

    @Override
    protected String baseUrl() {
        return settings.baseUrl().get();
    }

    @Override
    protected String url(String pathAndQuery) {
        String url = super.url(pathAndQuery);
        return settings.apiVersion() == null ? url
                : url + (url.contains("?") ? "&" : "?") + "api-version=" + settings.apiVersion();
    }

    @Override
    protected Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        String key = settings.apiKey().get();
        if (settings.auth() == Auth.API_KEY_HEADER) {
            headers.put("api-key", key);
        } else {
            headers.put("Authorization", "Bearer " + key);
        }
        if (settings.organization() != null) {
            headers.put("OpenAI-Organization", settings.organization());
        }
        if (settings.project() != null) {
            headers.put("OpenAI-Project", settings.project());
        }
        return headers;
    }
}
