package dev.batchpipe.sandbox;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Gemini's Batch, Files (resumable upload, download), cachedContents and generateContent endpoints. */
final class GeminiApi extends ProviderApi<GeminiFormat> {

    /** Gemini takes files up to 2 GB. */
    static final long MAX_FILE_BYTES = 2048 * SandboxConfig.MB;
    /** Inline batch bodies are meant to stay under 20 MB; the sandbox streams them and takes far more. */
    static final long MAX_CREATE_BYTES = 256 * SandboxConfig.MB;

    /** A resumable upload between its start and its finalize. */
    private record UploadSession(String displayName, String mimeType, Path data, long[] received) {
    }

    private final Map<String, UploadSession> uploads = new ConcurrentHashMap<>();

    GeminiApi(Emulator emulator) {
        super(Provider.GEMINI, emulator);
    }

    @Override
    void mount(Router router) {
        router.post("/upload/v1beta/files").handler(this::upload);
        router.put("/upload/v1beta/files").handler(this::upload);
        router.getWithRegex("/download/v1beta/files/([^/:]+):download").handler(this::download);
        router.get("/v1beta/files").handler(this::listFiles);
        router.get("/v1beta/files/:id").handler(this::getFile);
        router.postWithRegex("/v1beta/models/([^/:]+):batchGenerateContent")
                .handler(ctx -> create(ctx, GeminiFormat.GENERATE));
        router.postWithRegex("/v1beta/models/([^/:]+):asyncBatchEmbedContent")
                .handler(ctx -> create(ctx, GeminiFormat.EMBED));
        for (String call : List.of(GeminiFormat.GENERATE, GeminiFormat.EMBED, GeminiFormat.BATCH_EMBED)) {
            router.postWithRegex("/v1beta/models/([^/:]+):" + call).handler(Http.jsonBody())
                    .handler(ctx -> emulator.realtime().answer(ctx, format, call, ctx.pathParam("param0")));
        }
        router.post("/v1beta/cachedContents").handler(Http.jsonBody()).handler(this::createCache);
        router.get("/v1beta/cachedContents/:id").handler(this::getCache);
        router.get("/v1beta/batches").handler(this::list);
        router.postWithRegex("/v1beta/batches/([^/:]+):cancel").handler(this::cancel);
        router.getWithRegex("/v1beta/batches/([^/:]+)").handler(this::get);
        router.deleteWithRegex("/v1beta/batches/([^/:]+)").handler(this::delete);
    }

    private void createCache(RoutingContext ctx) {
        Http.json(ctx, 200, CachedContents.json(format.caches().create(Http.object(ctx), System.currentTimeMillis())));
    }

    private void getCache(RoutingContext ctx) {
        Http.json(ctx, 200, CachedContents.json(format.caches().named("cachedContents/" + ctx.pathParam("id"),
                System.currentTimeMillis())));
    }

    /** start → {@code x-goog-upload-url}; then chunks with {@code upload}, the last with {@code upload, finalize}. */
    private void upload(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String command = String.valueOf(req.getHeader("X-Goog-Upload-Command")).toLowerCase(Locale.ROOT);
        String sessionId = req.getParam("upload_id");
        if (sessionId == null) {
            if (!command.contains("start")) {
                throw ApiError.invalid("Only resumable uploads are supported: send X-Goog-Upload-Protocol: "
                        + "resumable and X-Goog-Upload-Command: start.");
            }
            startUpload(ctx);
            return;
        }
        UploadSession session = uploads.get(sessionId);
        if (session == null) {
            throw ApiError.notFound("Upload session " + sessionId + " not found.");
        }
        if (command.contains("query")) {
            ctx.response().putHeader("X-Goog-Upload-Status", "active")
                    .putHeader("X-Goog-Upload-Size-Received", String.valueOf(session.received()[0])).end();
            return;
        }
        long offset = Http.parseLong(String.valueOf(req.getHeader("X-Goog-Upload-Offset")));
        if (offset != session.received()[0]) {
            throw ApiError.invalid("X-Goog-Upload-Offset " + offset + " does not match the " + session.received()[0]
                    + " bytes received so far.");
        }
        boolean finalize = command.contains("finalize");
        Http.pump(ctx, req, session.data(), MAX_FILE_BYTES - offset, offset > 0).onFailure(ctx::fail)
                .onSuccess(path -> Http.blocking(ctx, () -> {
                    session.received()[0] = Files.size(path);
                    return finalize ? finish(sessionId, session) : null;
                }, file -> {
                    ctx.response().putHeader("X-Goog-Upload-Status", finalize ? "final" : "active");
                    if (file == null) {
                        ctx.response().end();
                    } else {
                        ObjectNode out = Json.object();
                        out.set("file", GeminiFormat.fileJson(file, Http.base(ctx)));
                        Http.json(ctx, 200, out);
                    }
                }));
        req.resume();
    }

    private void startUpload(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String declaredMime = req.getHeader("X-Goog-Upload-Header-Content-Type");
        req.body().onFailure(ctx::fail).onSuccess(buf -> {
            ReceivedRequests.body(ctx, buf);
            String displayName = null;
            String mime = declaredMime;
            if (buf.length() > 0) {
                try {
                    JsonNode meta = Json.MAPPER.readTree(buf.getBytes());
                    JsonNode file = meta.path("file");
                    displayName = Json.text(file, "displayName", "display_name");
                    mime = mime != null ? mime : Json.text(file, "mimeType", "mime_type");
                } catch (IOException e) {
                    ctx.fail(ApiError.invalid("Invalid JSON payload received. " + Http.firstLine(e)));
                    return;
                }
            }
            String id = Ids.uploadSession();
            uploads.put(id, new UploadSession(displayName, mime == null ? "application/jsonl" : mime,
                    emulator.data().tmpFile("gemini-upload"), new long[] {0}));
            ctx.response().putHeader("X-Goog-Upload-URL", Http.base(ctx) + "/upload/v1beta/files?upload_id=" + id
                            + "&upload_protocol=resumable")
                    .putHeader("X-Goog-Upload-Status", "active")
                    .putHeader("X-Goog-Upload-Chunk-Granularity", String.valueOf(8 * SandboxConfig.MB)).end();
        });
    }

    private FileRecord finish(String sessionId, UploadSession session) throws IOException {
        uploads.remove(sessionId);
        boolean video = session.mimeType().startsWith("video/");
        String mismatch = video ? VideoBytes.mismatch(session.data(), session.mimeType()) : null;
        if (mismatch != null) {
            Files.deleteIfExists(session.data());
            throw ApiError.invalid("Upload has an invalid mime type: " + mismatch + ".");
        }
        String id = Ids.geminiFile();
        FileRecord f = FileRecord.of(id, Provider.GEMINI, emulator.data().newDataFile(id), Files.size(session.data()),
                System.currentTimeMillis());
        f.displayName = session.displayName() != null ? session.displayName() : id.substring("files/".length());
        f.mimeType = session.mimeType();
        // a video is processed before requests may refer to it, as Gemini does (state PROCESSING, then ACTIVE)
        f.processing = video;
        emulator.data().addFile(f, session.data());
        emulator.counters().of(Provider.GEMINI).filesUploaded.increment();
        return f;
    }

    /** A file's state; a video seen PROCESSING once is ACTIVE from the next check on. */
    private void getFile(RoutingContext ctx) {
        FileRecord f = fileNamed(ctx.pathParam("id"));
        ObjectNode json = GeminiFormat.fileJson(f, Http.base(ctx));
        if (f.processing) {
            Http.blocking(ctx, () -> {
                f.processing = false;
                emulator.data().saveFile(f);
                return json;
            }, out -> Http.json(ctx, 200, out));
            return;
        }
        Http.json(ctx, 200, json);
    }

    /** {@code GET /v1beta/files}: newest first, {@code pageSize} (≤ 100) at a time. */
    private void listFiles(RoutingContext ctx) {
        int size = Http.intParam(ctx, "pageSize", 10, 1, 100);
        String token = ctx.request().getParam("pageToken");
        List<FileRecord> all = emulator.data().files(Provider.GEMINI);
        int from = 0;
        if (token != null && !token.isEmpty()) {
            try {
                from = Integer.parseInt(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid("Invalid page token.");
            }
        }
        ObjectNode out = Json.object();
        ArrayNode files = out.putArray("files");
        int to = Math.min(all.size(), from + size);
        for (FileRecord f : all.subList(Math.min(from, to), to)) {
            files.add(GeminiFormat.fileJson(f, Http.base(ctx)));
        }
        if (to < all.size()) {
            out.put("nextPageToken", Base64.getUrlEncoder().withoutPadding().encodeToString(
                    String.valueOf(to).getBytes(StandardCharsets.UTF_8)));
        }
        Http.json(ctx, 200, out);
    }

    private FileRecord fileNamed(String id) {
        String name = id.startsWith("files/") ? id : "files/" + id;
        return file(name).orElseThrow(() -> ApiError.notFound("Requested entity was not found: " + name));
    }

    private void download(RoutingContext ctx) {
        FileRecord f = fileNamed(ctx.pathParam("param0"));
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, f.mimeType == null ? "application/octet-stream"
                : f.mimeType).sendFile(emulator.data().resolve(f.dataFile).toString());
    }

    /** {@code call}: what each request of the batch is, generateContent or embedContent. */
    private void create(RoutingContext ctx, String call) {
        String model = GeminiFormat.modelName(ctx.pathParam("param0"));
        Path body = emulator.data().tmpFile("gemini-create");
        Http.spool(ctx, body, MAX_CREATE_BYTES).onFailure(ctx::fail).onSuccess(path -> Http.blocking(ctx, () -> {
            try {
                BatchRecord b = createFrom(path, model, call);
                return operation(b);
            } finally {
                Files.deleteIfExists(path);
            }
        }, op -> Http.json(ctx, 200, op)));
    }

    private BatchRecord createFrom(Path body, String model, String call) throws IOException {
        BatchRecord b = new BatchRecord();
        b.id = Ids.geminiBatch();
        b.provider = Provider.GEMINI;
        b.model = model;
        b.endpoint = call;
        b.outputFile = emulator.data().batchFile(b.id, "output");
        List<String> keys = new ArrayList<>();
        Path inline = emulator.data().resolve(emulator.data().batchFile(b.id, "requests"));
        try {
            readCreateBody(body, b, inline, keys);
            if (b.inputFileId != null) {
                FileRecord input = fileNamed(b.inputFileId);
                b.requestsFile = input.dataFile;
                scanFile(emulator.data().resolve(input.dataFile), b, keys);
            } else {
                b.requestsFile = emulator.data().batchFile(b.id, "requests");
                b.inlineOutput = true;
            }
            if (keys.isEmpty()) {
                throw ApiError.invalid("* BatchGenerateContentRequest.batch.input_config: the batch has no requests");
            }
            b.total = keys.size();
            return emulator.engine().createAdmitted(b, keys, (over, limit) -> "Resource has been exhausted: enqueued tokens "
                    + "for model " + over + " would exceed the limit of " + limit + ".");
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(inline);
            throw e;
        }
    }

    /**
     * Walks {@code {"batch":{"display_name","input_config":{"file_name" | "requests":{"requests":[…]}}}}} (camelCase
     * too) with the streaming parser; inline requests go to the batch's request file one at a time.
     */
    private void readCreateBody(Path body, BatchRecord b, Path inline, List<String> keys) throws IOException {
        try (JsonParser p = Json.MAPPER.createParser(body.toFile());
             OutputStream out = new BufferedOutputStream(Files.newOutputStream(inline), 1 << 16)) {
            expectObject(p, "");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (!"batch".equals(field)) {
                    p.skipChildren();
                    continue;
                }
                expectObject(p, "batch");
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    switch (name) {
                        case "display_name", "displayName" -> b.displayName = p.getValueAsString();
                        case "input_config", "inputConfig" -> readInputConfig(p, b, out, keys);
                        default -> p.skipChildren();
                    }
                }
            }
        } catch (JsonProcessingException e) {
            throw ApiError.invalid("Invalid JSON payload received. " + Http.firstLine(e));
        }
        if (b.inputFileId == null && keys.isEmpty()) {
            throw ApiError.invalid("* BatchGenerateContentRequest.batch.input_config: either requests or file_name "
                    + "must be set");
        }
    }

    private void readInputConfig(JsonParser p, BatchRecord b, OutputStream out, List<String> keys)
            throws IOException {
        expectObject(p, "batch.input_config");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if ("file_name".equals(name) || "fileName".equals(name)) {
                b.inputFileId = p.getValueAsString();
            } else if ("requests".equals(name)) {
                expectObject(p, "batch.input_config.requests");
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String inner = p.currentName();
                    if (p.nextToken() == JsonToken.START_ARRAY && "requests".equals(inner)) {
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            inlineRequest(p.readValueAsTree(), b, out, keys);
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
    }

    private void inlineRequest(JsonNode item, BatchRecord b, OutputStream out, List<String> keys)
            throws IOException {
        JsonNode request = item.get("request");
        if (request == null || !request.isObject()) {
            throw ApiError.invalid("* BatchGenerateContentRequest.batch.input_config.requests.requests[" + keys.size()
                    + "].request: request is not specified");
        }
        JsonNode metadata = item.get("metadata");
        String key = Json.text(metadata, "key");
        key = key != null ? key : String.valueOf(keys.size());
        keys.add(key);
        b.tokensByModel.merge(b.model, format.estimate(request, b.endpoint, b.model), Long::sum);
        ObjectNode line = Json.object().put("key", key);
        line.set("request", request);
        if (metadata != null) {
            line.set("metadata", metadata);
        }
        out.write(Json.MAPPER.writeValueAsBytes(line));
        out.write('\n');
    }

    /** A file input is checked line by line on create: each line needs a key and a request. */
    private void scanFile(Path data, BatchRecord b, List<String> keys) throws IOException {
        int lineNo = 0;
        try (LineReader reader = new LineReader(data, 0)) {
            for (byte[] bytes; (bytes = reader.next()) != null; ) {
                lineNo++;
                JsonNode line;
                try {
                    line = Json.MAPPER.readTree(bytes);
                } catch (JsonProcessingException e) {
                    throw ApiError.invalid("Invalid JSON in " + b.inputFileId + " at line " + lineNo + ".");
                }
                String key = Json.text(line, "key");
                if (key == null || !line.path("request").isObject()) {
                    throw ApiError.invalid("Line " + lineNo + " of " + b.inputFileId + " needs a 'key' and a "
                            + "'request' object.");
                }
                keys.add(key);
                b.tokensByModel.merge(b.model, format.estimate(line.get("request"), b.endpoint, b.model), Long::sum);
            }
        }
    }

    private static void expectObject(JsonParser p, String where) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT && p.nextToken() != JsonToken.START_OBJECT) {
            throw ApiError.invalid("Invalid JSON payload received. Expected an object" + (where.isEmpty() ? ""
                    : " at " + where) + ".");
        }
    }

    @Override
    ApiError batchNotFound(String id) {
        return ApiError.notFound("Requested entity was not found: " + id);
    }

    /** Gemini's paths carry the id without its {@code batches/} prefix. */
    private BatchRecord batch(RoutingContext ctx) {
        return batch("batches/" + ctx.pathParam("param0"));
    }

    private ObjectNode operation(BatchRecord b) throws IOException {
        synchronized (b) {
            return format.operationJson(b, emulator.data());
        }
    }

    private void get(RoutingContext ctx) {
        BatchRecord b = batch(ctx);
        Http.blocking(ctx, () -> operation(b), op -> Http.json(ctx, 200, op));
    }

    /** Page tokens are opaque to clients: here, the encoded id of the last batch of the previous page. */
    private void list(RoutingContext ctx) {
        int size = Http.intParam(ctx, "pageSize", 50, 1, 1000);
        String token = ctx.request().getParam("pageToken");
        String after = null;
        if (token != null && !token.isEmpty()) {
            try {
                after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw ApiError.invalid("Invalid page token.");
            }
        }
        Page page = pageAfter(after, size).orElseThrow(() -> ApiError.invalid("Invalid page token."));
        Http.blocking(ctx, () -> {
            ObjectNode out = Json.object();
            ArrayNode ops = out.putArray("operations");
            for (BatchRecord b : page.batches()) {
                ops.add(operation(b));
            }
            if (page.hasMore()) {
                out.put("nextPageToken", Base64.getUrlEncoder().withoutPadding().encodeToString(
                        page.lastId().getBytes(StandardCharsets.UTF_8)));
            }
            return out;
        }, out -> Http.json(ctx, 200, out));
    }

    private void cancel(RoutingContext ctx) {
        BatchRecord b = batch(ctx);
        cancel(ctx, b, ok -> {
            if (!ok) {
                ctx.fail(ApiError.invalid("Batch " + b.id + " is already in state " + format.state(b.phase) + "."));
                return;
            }
            Http.json(ctx, 200, Json.object());
        });
    }

    private void delete(RoutingContext ctx) {
        BatchRecord b = batch(ctx);
        delete(ctx, b, "Batch " + b.id + " is still running; cancel it before deleting it.",
                () -> Http.json(ctx, 200, Json.object()));
    }
}
