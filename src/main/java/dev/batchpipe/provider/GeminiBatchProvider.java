package dev.batchpipe.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.filter.FilteringParserDelegate;
import com.fasterxml.jackson.core.filter.TokenFilter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.batchpipe.image.ImageData;
import dev.batchpipe.image.ImagePart;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.FileEntity;

/**
 * The Gemini Batch API (Developer API). A small batch travels inline in its create call; a larger one is uploaded
 * as a JSONL file (resumable upload) first. Structured answers come from {@code responseSchema}, the task's schema
 * in Gemini's subset ({@link GeminiSchema}). The batch's display name is our tag.
 */
public final class GeminiBatchProvider extends HttpBatchProvider implements MediaFiles {

    /** Gemini does not document when an unfinished job ends; 48 h is what its batch guide suggests. */
    static final Duration JOB_WINDOW = Duration.ofHours(48);
    /** An inline request ({@code {"request":…,"metadata":{"key":…}}}) is this much longer than its file line. */
    private static final int INLINE_BYTES_PER_LINE = 16;
    private static final int INLINE_WRAPPER_BYTES = 1024;
    /** Operations of finished inline batches hold every answer; status checks and listings skip them. */
    private static final TokenFilter WITHOUT_INLINED_RESPONSES = new TokenFilter() {
        @Override
        public TokenFilter includeProperty(String name) {
            return name.equals("inlinedResponses") ? null : this;
        }
    };

    /**
     * @param inlineMaxBytes a batch whose create body would stay under this travels inline (Gemini: under 20 MB)
     */
    public record Settings(Supplier<String> baseUrl, Supplier<String> apiKey, long inlineMaxBytes, ProviderLimits limits) {
    }

    private static final Map<String, ProviderBatch.State> STATES = Map.ofEntries(
            Map.entry("PENDING", ProviderBatch.State.PENDING),
            Map.entry("QUEUED", ProviderBatch.State.PENDING),
            Map.entry("UNSPECIFIED", ProviderBatch.State.PENDING),
            Map.entry("RUNNING", ProviderBatch.State.RUNNING),
            Map.entry("PAUSED", ProviderBatch.State.RUNNING),
            Map.entry("UPDATING", ProviderBatch.State.RUNNING),
            Map.entry("SUCCEEDED", ProviderBatch.State.COMPLETED),
            Map.entry("PARTIALLY_SUCCEEDED", ProviderBatch.State.COMPLETED),
            Map.entry("FAILED", ProviderBatch.State.FAILED),
            Map.entry("CANCELLING", ProviderBatch.State.CANCELLING),
            Map.entry("CANCELLED", ProviderBatch.State.CANCELLED),
            Map.entry("EXPIRED", ProviderBatch.State.EXPIRED));
    /** Every page is read: the list's order is not documented. */
    private static final Listing BATCHES = new Listing("/v1beta/batches", "pageSize", "pageToken", "operations",
            page -> ProviderJson.text(page, "nextPageToken"));
    private static final Listing FILES = new Listing("/v1beta/files", "pageSize", "pageToken", "files",
            page -> ProviderJson.text(page, "nextPageToken"));
    private static final ContentType JSONL = ContentType.create("application/jsonl");

    private final Settings settings;

    public GeminiBatchProvider(Settings settings, ProviderHttp http) {
        super(http, GeminiBatchProvider::decodeError);
        this.settings = settings;
    }

    @Override
    public String name() {
        return "gemini";
    }

    @Override
    public ProviderLimits limits() {
        return settings.limits();
    }

    /** Inline data is capped at 20 MB a request, on its base64: 15 MiB of image bytes. */
    @Override
    public long maxImageBytes() {
        return (20L << 20) / 4 * 3;
    }

    /** Gemini takes no GIF. */
    @Override
    public Set<String> imageTypes() {
        return Set.of("image/png", "image/jpeg", "image/webp");
    }

    @Override
    public byte[] encode(BatchRequest r) {
        ObjectNode line = ProviderHttp.JSON.createObjectNode();
        line.put("key", r.customId());
        line.set("request", r.embedding() ? embedRequest(r) : request(r));
        return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code POST /v1beta/models/{model}:generateContent} with the GenerateContentRequest a batch line carries; an
     * embedding goes to {@code :batchEmbedContents} as a batch of its one EmbedContentRequest.
     */
    @Override
    public ProviderRequest realtime(BatchRequest r) {
        if (r.embedding()) {
            ObjectNode body = ProviderHttp.JSON.createObjectNode();
            body.putArray("requests").add(embedRequest(r));
            return httpPost("/v1beta/models/" + modelId(r.model()) + ":batchEmbedContents", body);
        }
        return httpPost("/v1beta/models/" + modelId(r.model()) + ":generateContent", request(r));
    }

    /**
     * The answer is the GenerateContentResponse a batch output line carries under {@code response}; a
     * batchEmbedContents answer's one embedding is the EmbedContentResponse a line would carry.
     */
    @Override
    public ResultLine answer(String customId, JsonNode body) {
        ObjectNode line = ProviderHttp.JSON.createObjectNode().put("key", customId);
        if (body.has("embeddings")) {
            line.putObject("response").set("embedding", body.path("embeddings").path(0));
        } else {
            line.set("response", body);
        }
        return decodeLine(line);
    }

    @Override
    public boolean embeds() {
        return true;
    }

    /** An EmbedContentRequest; the model is named in each, as batchEmbedContents requires. */
    private static ObjectNode embedRequest(BatchRequest r) {
        ObjectNode request = ProviderHttp.JSON.createObjectNode();
        request.put("model", "models/" + modelId(r.model()));
        request.putObject("content").putArray("parts").addObject().put("text", r.user());
        if (r.dimensions() != null) {
            request.put("outputDimensionality", r.dimensions());
        }
        return request;
    }

    private static ObjectNode request(BatchRequest r) {
        ObjectNode request = ProviderHttp.JSON.createObjectNode();
        ArrayNode parts = request.putArray("contents").addObject().put("role", "user").putArray("parts");
        // Gemini's guide puts a video before the text that asks about it
        for (BatchRequest.FileReference file : r.files()) {
            parts.addObject().putObject("fileData").put("mimeType", file.mimeType()).put("fileUri", file.uri());
        }
        for (ImagePart image : r.images()) {
            parts.addObject().putObject("inlineData").put("mimeType", image.mediaType())
                    .put("data", ImageData.placeholder(image));
        }
        parts.addObject().put("text", r.user());
        if (r.cachedContent() != null) {
            // the cached content holds the system instruction, which Gemini then refuses in the request
            request.put("cachedContent", r.cachedContent());
        } else if (r.system() != null && !r.system().isBlank()) {
            request.set("systemInstruction", systemInstruction(r.system()));
        }
        ObjectNode config = request.putObject("generationConfig");
        config.put("maxOutputTokens", r.maxOutputTokens());
        if (r.temperature() != null) {
            config.put("temperature", r.temperature());
        }
        config.put("responseMimeType", "application/json");
        config.set("responseSchema", GeminiSchema.of(r.schema()));
        return request;
    }

    private static ObjectNode systemInstruction(String system) {
        ObjectNode instruction = ProviderHttp.JSON.createObjectNode();
        instruction.putArray("parts").addObject().put("text", system);
        return instruction;
    }

    /** A cached content: its name ({@code cachedContents/…}), for requests to refer to, and when Gemini drops it. */
    public record CachedContent(String name, Instant expiresAt) {
    }

    /**
     * {@code POST /v1beta/cachedContents}: the system prompt kept for {@code model} for {@code ttl}. A repeated call
     * (a retry) only leaves a second cache to expire unused.
     */
    public CachedContent createCachedContent(String model, String system, Duration ttl) {
        ObjectNode body = ProviderHttp.JSON.createObjectNode();
        body.put("model", "models/" + modelId(model));
        body.set("systemInstruction", systemInstruction(system));
        body.put("ttl", ttl.toSeconds() + "s");
        JsonNode created = http.json(httpPost("/v1beta/cachedContents", body));
        Instant expires = ProviderJson.rfc3339(created.get("expireTime"));
        return new CachedContent(ProviderJson.required(created, "name", "cached content"),
                expires == null ? Instant.now().plus(ttl) : expires);
    }

    /** Small batches are not uploaded (null): {@link #create} sends them inline. */
    @Override
    public String upload(Path jsonl, String displayName) {
        try {
            return inline(jsonl) ? null : ProviderJson.required(resumableUpload(jsonl, JSONL, displayName), "name",
                    "file upload");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read batch file " + jsonl + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long maxFileBytes() {
        return 2L << 30;
    }

    @Override
    public MediaFile upload(Path file, String mimeType, String displayName) {
        return mediaFile(resumableUpload(file, ContentType.create(mimeType), displayName));
    }

    @Override
    public Optional<MediaFile> findUploaded(String displayName) {
        return list(FILES).filter(f -> displayName.equals(f.path("displayName").asText(null)))
                .map(GeminiBatchProvider::mediaFile).findFirst();
    }

    @Override
    public MediaFile file(String name) {
        return mediaFile(http.json(httpGet("/v1beta/" + name)));
    }

    static MediaFile mediaFile(JsonNode f) {
        String state = f.path("state").asText("ACTIVE");
        return new MediaFile(ProviderJson.required(f, "name", "file"), ProviderJson.required(f, "uri", "file"),
                f.path("mimeType").asText(null), state.equals("ACTIVE"), state.equals("FAILED"),
                ProviderJson.rfc3339(f.get("expirationTime")));
    }

    /** The Files API's resumable protocol in two calls: start (metadata), then the bytes with upload, finalize. */
    private JsonNode resumableUpload(Path file, ContentType type, String displayName) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        ObjectNode meta = ProviderHttp.JSON.createObjectNode();
        meta.putObject("file").put("display_name", displayName);
        ProviderHttp.Answer started = http.headers(httpPost("/upload/v1beta/files", meta)
                .header("X-Goog-Upload-Protocol", "resumable")
                .header("X-Goog-Upload-Command", "start")
                .header("X-Goog-Upload-Header-Content-Length", String.valueOf(size))
                .header("X-Goog-Upload-Header-Content-Type", type.getMimeType()));
        String url = started.header("x-goog-upload-url");
        if (url == null) {
            throw new ProviderException(started.status(), "invalid_response", "upload start answer has no "
                    + "x-goog-upload-url header", true);
        }
        // the upload URL is its own credential: the API key is not sent along; a failed transfer starts over
        // with a new session, as a repeated offset-0 transfer would be refused
        JsonNode answer = http.json(call("POST", url)
                .header("X-Goog-Upload-Offset", "0")
                .header("X-Goog-Upload-Command", "upload, finalize")
                .body(new FileEntity(file.toFile(), type))
                .retry(ProviderHttp.Retry.NONE));
        return answer.path("file");
    }

    /** Whether the create body with every request inline stays under the inline limit. */
    private boolean inline(Path jsonl) throws IOException {
        long size = Files.size(jsonl);
        if (size + INLINE_WRAPPER_BYTES >= settings.inlineMaxBytes()) {
            return false;
        }
        long lines = 0;
        try (InputStream in = Files.newInputStream(jsonl)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    lines += buf[i] == '\n' ? 1 : 0;
                }
            }
        }
        return size + lines * INLINE_BYTES_PER_LINE + INLINE_WRAPPER_BYTES < settings.inlineMaxBytes();
    }

    @Override
    public ProviderBatch create(String model, String endpoint, String inputFileId, Path jsonl, int count, String tag) {
        // embeddings have their own batch call, with the same body (EmbedContentRequests instead)
        String path = "/v1beta/models/" + modelId(model) + (BatchRequest.EMBEDDINGS.equals(endpoint)
                ? ":asyncBatchEmbedContent" : ":batchGenerateContent");
        ProviderRequest request;
        if (inputFileId != null) {
            ObjectNode root = ProviderHttp.JSON.createObjectNode();
            root.putObject("batch").put("display_name", tag).putObject("input_config").put("file_name", inputFileId);
            request = httpPost(path, root);
        } else {
            request = httpPost(path, JsonArrayBody.of(jsonl, "{\"batch\":{\"display_name\":" + TextNode.valueOf(tag)
                    + ",\"input_config\":{\"requests\":{\"requests\":[", GeminiBatchProvider::inlineItem, "]}}}}"));
        }
        // a 429 means nothing was created and may be retried; anything else is resolved through findCreated
        return parse(http.json(request.retry(ProviderHttp.Retry.RATE_LIMITS)));
    }

    /** A file line {@code {"key","request"}} as an inline request {@code {"request","metadata":{"key"}}}. */
    static String inlineItem(String fileLine) {
        try {
            JsonNode line = ProviderHttp.JSON.readTree(fileLine);
            ObjectNode item = ProviderHttp.JSON.createObjectNode();
            item.set("request", line.get("request"));
            item.putObject("metadata").set("key", line.get("key"));
            return item.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("batch file line is not JSON", e);
        }
    }

    /** {@code gemini-2.5-flash} whether the task says {@code models/gemini-2.5-flash} or not. */
    private static String modelId(String model) {
        return model.startsWith("models/") ? model.substring("models/".length()) : model;
    }

    /** Our batch is the one whose display name is our tag. */
    @Override
    public Optional<ProviderBatch> findCreated(Lookup lookup) {
        return list(BATCHES).map(GeminiBatchProvider::parse)
                .filter(b -> lookup.tag().equals(b.tag()) && !lookup.recordedElsewhere().test(b.id()))
                .findFirst();
    }

    @Override
    public ProviderBatch get(String name) {
        return parse(page(httpGet("/v1beta/" + name)));
    }

    @Override
    public void cancel(String name) {
        http.json(httpPost("/v1beta/" + name + ":cancel"));
    }

    /** The output file's lines, or the inline responses of the batch's Operation, streamed either way. */
    @Override
    public ResultStream results(ProviderBatch batch) {
        if (batch.outputFileId() != null) {
            String file = batch.outputFileId();
            return new JsonLineResults(List.of(() -> http.stream(httpGet("/download/v1beta/" + file + ":download?alt=media"))),
                    GeminiBatchProvider::decodeLine);
        }
        return new InlinedResponses(http.stream(httpGet("/v1beta/" + batch.id())), GeminiBatchProvider::decodeLine);
    }

    /** Operations (single, or a listing's) are read without the answers of finished inline batches. */
    @Override
    protected JsonNode page(ProviderRequest request) {
        try (InputStream in = http.stream(request);
             JsonParser p = new FilteringParserDelegate(ProviderHttp.JSON.createParser(in), WITHOUT_INLINED_RESPONSES,
                     TokenFilter.Inclusion.INCLUDE_ALL_AND_PATH, true)) {
            JsonNode node = ProviderHttp.JSON.readTree(p);
            return node == null ? ProviderHttp.JSON.createObjectNode() : node;
        } catch (IOException e) {
            throw new ProviderException(200, "invalid_json", "gemini answered with invalid JSON: " + e.getMessage(), true, e);
        }
    }

    /** A line of the output file ({@code key}) or an inline response ({@code metadata.key}). */
    static ResultLine decodeLine(JsonNode line) {
        String key = line.hasNonNull("key") ? line.get("key").asText() : line.path("metadata").path("key").asText(null);
        JsonNode error = line.get("error");
        if (error != null && !error.isNull()) {
            return ResultLine.failed(key, ResultLine.Outcome.ERRORED, failureOf(error),
                    statusName(error) + ": " + error.path("message").asText(""), ResultLine.Usage.NONE, line);
        }
        JsonNode response = line.path("response");
        ResultLine.Usage usage = usage(response.path("usageMetadata"));
        if (response.has("embedding")) {
            JsonNode values = response.path("embedding").get("values");
            return values != null && values.isArray()
                    ? ResultLine.succeeded(key, ResultLine.embeddingAnswer(values), usage, line)
                    : ResultLine.failed(key, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                    "the embedding holds no values", usage, line);
        }
        JsonNode candidate = response.path("candidates").path(0);
        if (candidate.isMissingNode()) {
            String blocked = response.path("promptFeedback").path("blockReason").asText("");
            return ResultLine.failed(key, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                    blocked.isEmpty() ? "the response holds no candidate" : "prompt blocked: " + blocked, usage, line);
        }
        String finish = candidate.path("finishReason").asText("STOP");
        if (!finish.equals("STOP")) {
            return ResultLine.failed(key, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                    finish.equals("MAX_TOKENS") ? "answer cut off at maxOutputTokens" : "generation stopped: " + finish,
                    usage, line);
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (!part.path("thought").asBoolean(false)) {
                text.append(part.path("text").asText(""));
            }
        }
        return ResultLine.succeeded(key, text.toString(), usage, line);
    }

    /** gRPC status names by code: batch lines carry a google.rpc.Status (some show HTTP codes instead). */
    private static final List<String> GRPC = List.of("OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
            "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
            "UNAUTHENTICATED");

    private static String statusName(JsonNode error) {
        String status = error.path("status").asText("");
        int code = error.path("code").asInt(-1);
        if (!status.isEmpty()) {
            return status;
        }
        return code >= 0 && code < GRPC.size() ? GRPC.get(code) : "HTTP " + code;
    }

    static ResultLine.Failure failureOf(JsonNode error) {
        int code = error.path("code").asInt(-1);
        if (error.path("status").asText("").isEmpty() && code >= 100) {
            return ResultLine.failureOfStatus(code);
        }
        return switch (statusName(error).toUpperCase(Locale.ROOT)) {
            case "CANCELLED", "UNKNOWN", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED", "ABORTED", "INTERNAL",
                    "UNAVAILABLE" -> ResultLine.Failure.TRANSIENT;
            case "INVALID_ARGUMENT", "NOT_FOUND", "FAILED_PRECONDITION", "OUT_OF_RANGE", "UNIMPLEMENTED" ->
                    ResultLine.Failure.INVALID_REQUEST;
            default -> ResultLine.Failure.REQUEST;
        };
    }

    /** Thinking is output; {@code promptTokenCount} includes the cached part. */
    static ResultLine.Usage usage(JsonNode u) {
        return new ResultLine.Usage(count(u, "promptTokenCount"),
                count(u, "candidatesTokenCount") + count(u, "thoughtsTokenCount"), count(u, "cachedContentTokenCount"));
    }

    /** Gemini's int64 counts arrive as strings; its int32 ones as numbers. */
    private static int count(JsonNode node, String field) {
        JsonNode v = node.path(field);
        try {
            return v.isTextual() ? Integer.parseInt(v.asText().trim()) : v.asInt();
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static ProviderBatch parse(JsonNode op) {
        JsonNode meta = op.path("metadata");
        String state = meta.path("state").asText();
        JsonNode stats = meta.path("batchStats");
        JsonNode output = meta.path("output").isObject() ? meta.path("output") : op.path("response");
        JsonNode error = op.path("error");
        Instant created = ProviderJson.rfc3339(meta.get("createTime"));
        return new ProviderBatch(op.path("name").asText(meta.path("name").asText()), state(state), state,
                count(stats, "requestCount"), count(stats, "successfulRequestCount"), count(stats, "failedRequestCount"),
                ProviderJson.text(meta.path("inputConfig"), "fileName"), ProviderJson.text(output, "responsesFile"), null,
                error.isMissingNode() ? null : statusName(error), ProviderJson.text(error, "message"),
                ProviderJson.text(meta, "displayName"), created, created == null ? null : created.plus(JOB_WINDOW),
                stats.toString(), 0);
    }

    /** {@code BATCH_STATE_*} on the wire; the SDKs' {@code JOB_STATE_*} names are taken too. */
    static ProviderBatch.State state(String wire) {
        return state(STATES, wire.replaceFirst("^(BATCH|JOB)_STATE_", ""));
    }

    static ProviderException decodeError(int status, String body) {
        return ProviderJson.error(status, body, err -> err.path("status").asText(null));
    }

    @Override
    protected String baseUrl() {
        return settings.baseUrl().get();
    }

    @Override
    protected Map<String, String> headers() {
        return Map.of("x-goog-api-key", settings.apiKey().get());
    }
}
