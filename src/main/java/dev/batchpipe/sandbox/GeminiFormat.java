package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.sandbox.BatchRecord.Phase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/** Gemini's wire format: GenerateContent bodies, batch operations, inline and file results, files. */
final class GeminiFormat extends BatchFormat {

    static final String TYPE_PREFIX = "type.googleapis.com/google.ai.generativelanguage.v1beta.";
    /** The calls a request can be: batches are of generateContent or embedContent requests. */
    static final String GENERATE = "generateContent";
    static final String EMBED = "embedContent";
    static final String BATCH_EMBED = "batchEmbedContents";
    /** gemini-embedding-001's size when a request names none. */
    private static final int DEFAULT_EMBEDDING_DIMENSIONS = 3072;
    /** batchEmbedContents takes at most this many requests. */
    private static final int MAX_BATCH_EMBED_REQUESTS = 100;

    private final Function<String, Optional<FileRecord>> files;
    private final CachedContents caches = new CachedContents();

    /** {@code files}: the uploaded files by name ({@code files/…}), which {@code fileData} parts must name. */
    GeminiFormat(TokenCounting counting, Function<String, Optional<FileRecord>> files) {
        super(Provider.GEMINI, "request", counting);
        this.files = files;
    }

    /** The cached contents requests may name ({@code cachedContent}). */
    CachedContents caches() {
        return caches;
    }

    @Override
    public String lineId(JsonNode line) {
        String key = Json.text(line, "key");
        return key != null ? key : line.path("metadata").path("key").asText();
    }

    @Override
    public ParsedRequest parse(JsonNode body, String endpoint, String batchModel) {
        if (!body.isObject()) {
            throw ApiError.invalid("Invalid JSON payload: request must be an object.");
        }
        if (EMBED.equals(endpoint)) {
            return embedding(body, batchModel, "EmbedContentRequest");
        }
        if (BATCH_EMBED.equals(endpoint)) {
            return batchEmbedding(body, batchModel);
        }
        JsonNode contents = body.get("contents");
        if (contents == null || !contents.isArray() || contents.isEmpty()) {
            throw ApiError.invalid("* GenerateContentRequest.contents: contents is not specified");
        }
        Prompts prompts = new Prompts();
        JsonNode system = Json.field(body, "systemInstruction", "system_instruction");
        CachedContents.Entry cached = cachedContent(body, system);
        if (cached != null) {
            // the cached prefix comes first, as if sent
            prompts.add(Json.MAPPER.getNodeFactory().textNode(cached.text()), false);
        }
        if (system != null) {
            prompts.add(system.get("parts"), false);
        }
        for (JsonNode c : contents) {
            String role = c.path("role").asText("user");
            prompts.add(c.get("parts"), role.isEmpty() || "user".equals(role));
            for (JsonNode part : c.path("parts")) {
                checkFileData(Json.field(part, "fileData", "file_data"));
            }
        }
        JsonNode config = Json.field(body, "generationConfig", "generation_config");
        Long max = Json.integer(config, "maxOutputTokens", "max_output_tokens");
        String model = batchModel != null ? batchModel : Json.text(body, "model");
        ParsedRequest req = ParsedRequest.text(modelName(model), prompts.all(), prompts.user(),
                max == null ? Tokens.DEFAULT_MAX_OUTPUT_TOKENS : (int) Math.max(1, Math.min(max, 1_000_000)));
        JsonNode schema = Json.field(config, "responseSchema", "response_schema", "responseJsonSchema",
                "response_json_schema");
        if (schema != null && schema.isObject()) {
            req = req.withSchema(schema);
        } else if ("application/json".equals(Json.text(config, "responseMimeType", "response_mime_type"))) {
            req = req.withKind(ParsedRequest.Kind.JSON_OBJECT);
        }
        return cached == null ? req : req.withCachedTokens(cached.tokens());
    }

    /**
     * The cached content the request names, or null. It must exist, be the call's model's, and stand in for the
     * system instruction and tools: Gemini refuses a request that sets them too.
     */
    private CachedContents.Entry cachedContent(JsonNode body, JsonNode system) {
        String name = Json.text(body, "cachedContent", "cached_content");
        if (name == null) {
            return null;
        }
        if (system != null || body.has("tools") || body.has("toolConfig") || body.has("tool_config")) {
            throw ApiError.invalid("CachedContent can not be used with GenerateContent request setting "
                    + "system_instruction, tools or tool_config.\n\nProposed fix: move those values to CachedContent "
                    + "from GenerateContent request.");
        }
        return caches.named(name, System.currentTimeMillis());
    }

    /**
     * An EmbedContentRequest: the text of its content's parts, and {@code outputDimensionality}. A model it names must
     * be the one of the call (the path's).
     */
    private static ParsedRequest embedding(JsonNode body, String callModel, String where) {
        JsonNode parts = body.path("content").get("parts");
        if (parts == null || !parts.isArray() || parts.isEmpty()) {
            throw ApiError.invalid("* " + where + ".content: content is not specified");
        }
        String named = Json.text(body, "model");
        String model = modelName(callModel != null ? callModel : named);
        if (named != null && !modelName(named).equals(model)) {
            throw ApiError.invalid("* " + where + ".model: the request names model " + named + " but the call is for "
                    + "models/" + model);
        }
        Prompts prompts = new Prompts().add(parts, true);
        Long dims = Json.integer(body, "outputDimensionality", "output_dimensionality");
        return new ParsedRequest(model, prompts.all(), prompts.user(), ParsedRequest.Kind.EMBEDDING, null, null, 0, 1,
                dims == null ? DEFAULT_EMBEDDING_DIMENSIONS : (int) Math.max(1, Math.min(dims, 3072)));
    }

    /**
     * batchEmbedContents: {@code {"requests":[EmbedContentRequest, …]}}, each naming its model, answered in order.
     * All inputs share the first request's size.
     */
    private static ParsedRequest batchEmbedding(JsonNode body, String callModel) {
        JsonNode requests = body.get("requests");
        if (requests == null || !requests.isArray() || requests.isEmpty()) {
            throw ApiError.invalid("* BatchEmbedContentsRequest.requests: requests is not specified");
        }
        if (requests.size() > MAX_BATCH_EMBED_REQUESTS) {
            throw ApiError.invalid("* BatchEmbedContentsRequest.requests: at most " + MAX_BATCH_EMBED_REQUESTS
                    + " requests are allowed in a batch, got " + requests.size());
        }
        Prompts prompts = new Prompts();
        ParsedRequest first = null;
        for (int i = 0; i < requests.size(); i++) {
            JsonNode r = requests.get(i);
            if (Json.text(r, "model") == null) {
                throw ApiError.invalid("* BatchEmbedContentsRequest.requests[" + i + "].model: model is not specified");
            }
            ParsedRequest one = embedding(r, callModel, "BatchEmbedContentsRequest.requests[" + i + "]");
            first = first == null ? one : first;
            prompts.add(Json.MAPPER.getNodeFactory().textNode(one.promptText()), true);
        }
        return new ParsedRequest(first.model(), prompts.all(), prompts.user(), ParsedRequest.Kind.EMBEDDING, null, null,
                0, requests.size(), first.dimensions());
    }

    /** A {@code fileData} part names an uploaded, processed file of its declared media type, as Gemini insists. */
    private void checkFileData(JsonNode fileData) {
        if (fileData == null) {
            return;
        }
        String uri = Json.text(fileData, "fileUri", "file_uri");
        String mime = Json.text(fileData, "mimeType", "mime_type");
        int at = uri == null ? -1 : uri.indexOf("files/");
        if (at < 0) {
            throw ApiError.invalid("* GenerateContentRequest.contents.parts.file_data.file_uri: a file URI is required");
        }
        String name = uri.substring(at);
        FileRecord f = files.apply(name).filter(r -> r.provider == Provider.GEMINI).orElseThrow(() -> new ApiError(
                ApiError.Kind.FORBIDDEN, "You do not have permission to access the File " + name.substring(6)
                + " or it may not exist."));
        if (mime == null || !mime.equals(f.mimeType)) {
            throw ApiError.invalid("* GenerateContentRequest.contents.parts.file_data.mime_type: " + mime
                    + " does not match the file's " + f.mimeType);
        }
        if (f.processing) {
            throw ApiError.invalid("The File " + name.substring(6) + " is not in an ACTIVE state and usage is not "
                    + "allowed.");
        }
    }

    /** {@code gemini-2.5-flash} whether the caller wrote {@code models/gemini-2.5-flash} or not. */
    static String modelName(String model) {
        if (model == null) {
            return "unknown";
        }
        return model.startsWith("models/") ? model.substring("models/".length()) : model;
    }

    @Override
    public ObjectNode render(ParsedRequest req, Answers.Answer answer, String endpoint, long now) {
        if (EMBED.equals(endpoint) || BATCH_EMBED.equals(endpoint)) {
            return embeddingBody(req, answer, endpoint);
        }
        ObjectNode body = Json.object();
        ObjectNode candidate = body.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        content.putArray("parts").addObject().put("text", answer.text());
        content.put("role", "model");
        candidate.put("finishReason", "STOP");
        candidate.put("index", 0);
        ObjectNode usage = body.putObject("usageMetadata").put("promptTokenCount", answer.inputTokens())
                .put("candidatesTokenCount", answer.outputTokens())
                .put("totalTokenCount", answer.inputTokens() + answer.outputTokens());
        if (req.cachedTokens() > 0) {
            usage.put("cachedContentTokenCount", Math.min(req.cachedTokens(), answer.inputTokens()));
        }
        body.put("modelVersion", req.model());
        body.put("responseId", Ids.seeded("", answer.seed(), 22));
        return body;
    }

    /** An EmbedContentResponse, or a BatchEmbedContentsResponse with one embedding per request. */
    private static ObjectNode embeddingBody(ParsedRequest req, Answers.Answer answer, String endpoint) {
        ObjectNode body = Json.object();
        java.util.List<float[]> vectors = Answers.vectors(answer, req.embeddingInputs(), req.dimensions());
        ArrayNode embeddings = EMBED.equals(endpoint) ? null : body.putArray("embeddings");
        for (float[] vector : vectors) {
            ObjectNode embedding = embeddings == null ? body.putObject("embedding") : embeddings.addObject();
            ArrayNode values = embedding.putArray("values");
            for (float v : vector) {
                values.add(v);
            }
        }
        if (EMBED.equals(endpoint)) {
            body.putObject("usageMetadata").put("promptTokenCount", answer.inputTokens())
                    .put("totalTokenCount", answer.inputTokens());
        }
        return body;
    }

    @Override
    public void writeSuccess(BatchRecord batch, JsonNode line, ObjectNode response, ResultFiles out)
            throws IOException {
        ObjectNode result = resultLine(batch, line);
        result.set("response", response);
        out.output(result);
    }

    @Override
    public void writeFailure(BatchRecord batch, JsonNode line, ApiError error, ResultFiles out) throws IOException {
        ObjectNode result = resultLine(batch, line);
        result.putObject("error").put("code", error.kind.status).put("message", error.getMessage())
                .put("status", status(error.kind));
        out.output(result);
    }

    /** Inline results echo the request's metadata; file results carry its key. */
    private ObjectNode resultLine(BatchRecord batch, JsonNode line) {
        ObjectNode result = Json.object();
        if (batch.inlineOutput) {
            if (line.has("metadata")) {
                result.set("metadata", line.get("metadata"));
            }
        } else {
            result.put("key", lineId(line));
        }
        return result;
    }

    /** Gemini reports only finished lines; the rest stay counted as pending in {@code batchStats}. */
    @Override
    public void writeUnfinished(BatchRecord batch, JsonNode line, Phase phase, ResultFiles out) {
    }

    @Override
    public String state(Phase phase) {
        return "BATCH_STATE_" + switch (phase) {
            case VALIDATING -> "PENDING";
            case IN_PROGRESS, FINALIZING, CANCELLING -> "RUNNING";
            case COMPLETED -> "SUCCEEDED";
            case FAILED -> "FAILED";
            case EXPIRED -> "EXPIRED";
            case CANCELLED -> "CANCELLED";
        };
    }

    static String status(ApiError.Kind kind) {
        return switch (kind) {
            case UNAUTHENTICATED -> "UNAUTHENTICATED";
            case FORBIDDEN -> "PERMISSION_DENIED";
            case NOT_FOUND -> "NOT_FOUND";
            case RATE_LIMITED -> "RESOURCE_EXHAUSTED";
            case INTERNAL -> "INTERNAL";
            case BAD_GATEWAY, UNAVAILABLE, OVERLOADED -> "UNAVAILABLE";
            default -> "INVALID_ARGUMENT";
        };
    }

    /** Gemini's error body, with a RetryInfo detail on 429s. */
    static ObjectNode errorBody(ApiError e) {
        ObjectNode body = Json.object();
        ObjectNode err = body.putObject("error");
        err.put("code", e.kind.status);
        err.put("message", e.getMessage());
        err.put("status", status(e.kind));
        if (e.kind == ApiError.Kind.RATE_LIMITED && e.retryAfterSeconds >= 0) {
            err.putArray("details").addObject().put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                    .put("retryDelay", e.retryAfterSeconds + "s");
        }
        return body;
    }

    @Override
    public void publishResults(BatchRecord batch, DataDirectory dir, long now) throws IOException {
        if (batch.inlineOutput) {
            return;
        }
        Path data = dir.resolve(batch.outputFile);
        if (!Files.exists(data)) {
            Files.createFile(data);
        }
        FileRecord f = FileRecord.of("files/batch-" + batch.id.substring("batches/".length()), Provider.GEMINI,
                batch.outputFile, Files.size(data), now);
        f.displayName = f.id.substring("files/".length());
        f.mimeType = "application/jsonl";
        dir.saveFile(f);
        synchronized (batch) {
            batch.outputFileId = f.id;
        }
    }

    /** The File resource; {@code base} is the URL the client reached the sandbox at. */
    static ObjectNode fileJson(FileRecord f, String base) {
        ObjectNode o = Json.object();
        o.put("name", f.id);
        o.put("displayName", f.displayName);
        o.put("mimeType", f.mimeType);
        o.put("sizeBytes", String.valueOf(f.bytes));
        o.put("createTime", Json.rfc3339(f.createdAt));
        o.put("updateTime", Json.rfc3339(f.createdAt));
        o.put("expirationTime", Json.rfc3339(f.createdAt + 48L * 3600 * 1000));
        o.put("uri", base + "/v1beta/" + f.id);
        o.put("downloadUri", base + "/download/v1beta/" + f.id + ":download?alt=media");
        o.put("state", f.processing ? "PROCESSING" : "ACTIVE");
        o.put("source", f.dataFile.startsWith("batches/") ? "GENERATED" : "UPLOADED");
        return o;
    }

    /**
     * The batch as a long-running Operation. Inline results are read from disk here, which is fine at their
     * 20 MB ceiling.
     */
    ObjectNode operationJson(BatchRecord b, DataDirectory dir) throws IOException {
        ObjectNode op = Json.object();
        op.put("name", b.id);
        ObjectNode meta = op.putObject("metadata");
        String kind = EMBED.equals(b.endpoint) ? "EmbedContentBatch" : "GenerateContentBatch";
        meta.put("@type", TYPE_PREFIX + kind);
        meta.put("name", b.id);
        meta.put("displayName", b.displayName);
        meta.put("model", "models/" + b.model);
        if (b.inputFileId != null) {
            meta.putObject("inputConfig").put("fileName", b.inputFileId);
        }
        meta.put("createTime", Json.rfc3339(b.createdAt));
        meta.put("updateTime", Json.rfc3339(b.phaseSince));
        if (b.endedAt() != null) {
            meta.put("endTime", Json.rfc3339(b.endedAt()));
        }
        meta.putObject("batchStats").put("requestCount", String.valueOf(b.total))
                .put("successfulRequestCount", String.valueOf(b.succeeded))
                .put("failedRequestCount", String.valueOf(b.errored))
                .put("pendingRequestCount", String.valueOf(b.total - b.succeeded - b.errored));
        meta.put("state", state(b.phase));
        boolean done = b.phase.terminal();
        op.put("done", done);
        if (done) {
            ObjectNode output = Json.object();
            if (b.inlineOutput) {
                ArrayNode responses = output.putObject("inlinedResponses").putArray("inlinedResponses");
                Path data = dir.resolve(b.outputFile);
                if (Files.exists(data)) {
                    try (LineReader reader = new LineReader(data, 0)) {
                        for (byte[] line; (line = reader.next()) != null; ) {
                            responses.add(Json.MAPPER.readTree(line));
                        }
                    }
                }
            } else if (b.outputFileId != null) {
                output.put("responsesFile", b.outputFileId);
            }
            meta.set("output", output);
            ObjectNode response = op.putObject("response");
            response.put("@type", TYPE_PREFIX + kind + "Output");
            response.setAll(output.deepCopy());
        }
        return op;
    }
}
