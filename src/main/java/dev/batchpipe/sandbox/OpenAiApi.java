package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * OpenAI's Files, Batch and realtime endpoints under {@code /v1}; the same routes answer under {@code /openai/v1}
 * and {@code /openai} for Azure OpenAI clients, which authenticate with an {@code api-key} header.
 */
final class OpenAiApi extends ProviderApi<OpenAiFormat> {

    private static final List<String> PREFIXES = List.of("/v1", "/openai/v1", "/openai");
    /** Multipart framing around the file part; the file itself is held to the configured limit. */
    private static final long MULTIPART_SLACK = 64 * 1024;

    OpenAiApi(Emulator emulator) {
        super(Provider.OPENAI, emulator);
    }

    @Override
    void mount(Router router) {
        for (String p : PREFIXES) {
            router.post(p + "/files").handler(this::upload);
            router.get(p + "/files/:id").handler(ctx -> Http.json(ctx, 200, OpenAiFormat.fileJson(file(ctx))));
            router.get(p + "/files/:id/content").handler(this::content);
            router.delete(p + "/files/:id").handler(this::deleteFile);
            router.post(p + "/batches").handler(Http.jsonBody()).handler(this::create);
            router.get(p + "/batches").handler(this::list);
            router.get(p + "/batches/:id").handler(ctx -> Http.json(ctx, 200, json(batch(ctx.pathParam("id")))));
            router.post(p + "/batches/:id/cancel").handler(this::cancel);
            for (String endpoint : OpenAiFormat.ENDPOINTS) {
                String path = p + endpoint.substring("/v1".length());
                router.post(path).handler(Http.jsonBody())
                        .handler(ctx -> emulator.realtime().answer(ctx, format, endpoint, null));
            }
        }
    }

    /** Multipart upload: the {@code file} part streams to disk, {@code purpose} is a form field. */
    private void upload(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        String type = req.getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            throw ApiError.invalid("Invalid request: expected multipart/form-data with 'file' and 'purpose'.");
        }
        long declared = Http.parseLong(String.valueOf(req.getHeader(HttpHeaders.CONTENT_LENGTH)));
        if (declared > emulator.config().openAiMaxFileBytes() + MULTIPART_SLACK) {
            throw fileTooLarge();
        }
        Path tmp = emulator.data().tmpFile("upload");
        AtomicBoolean sawFile = new AtomicBoolean();
        String[] filename = {null};
        AtomicReference<Future<Path>> part = new AtomicReference<>();
        req.setExpectMultipart(true);
        req.uploadHandler(upload -> {
            if (!"file".equals(upload.name()) || sawFile.getAndSet(true)) {
                upload.handler(b -> { });
                return;
            }
            filename[0] = upload.filename();
            part.set(Http.pump(ctx, upload, tmp, emulator.config().openAiMaxFileBytes(), false)
                    .onFailure(e -> ctx.fail(e instanceof ApiError api && api.kind == ApiError.Kind.TOO_LARGE
                            ? fileTooLarge() : e)));
        });
        req.exceptionHandler(ctx::fail);
        req.endHandler(v -> {
            if (ctx.failed() || ctx.response().ended()) {
                return;
            }
            if (part.get() == null) {
                ctx.fail(ApiError.invalid("Missing required parameter: 'file'.", "file"));
                return;
            }
            String purpose = req.getFormAttribute("purpose");
            part.get().onSuccess(path -> {
                if (purpose == null || purpose.isBlank()) {
                    Http.delete(path);
                    ctx.fail(ApiError.invalid("Missing required parameter: 'purpose'.", "purpose"));
                    return;
                }
                Http.blocking(ctx, () -> {
                    String id = Ids.openAiFile();
                    FileRecord f = FileRecord.of(id, Provider.OPENAI, emulator.data().newDataFile(id), Files.size(path),
                            System.currentTimeMillis());
                    f.purpose = purpose;
                    f.filename = filename[0] == null || filename[0].isBlank() ? "upload.jsonl" : filename[0];
                    return emulator.data().addFile(f, path);
                }, f -> {
                    emulator.counters().of(Provider.OPENAI).filesUploaded.increment();
                    Http.json(ctx, 200, OpenAiFormat.fileJson(f));
                });
            });
        });
        req.resume();
    }

    private ApiError fileTooLarge() {
        return new ApiError(ApiError.Kind.TOO_LARGE, "File is too large: the maximum size for batch input files is "
                + emulator.config().openAiMaxFileBytes() + " bytes.", "file", "file_too_large", -1);
    }

    private FileRecord file(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        return file(id).orElseThrow(() -> fileNotFound(id, "id"));
    }

    private static ApiError fileNotFound(String id, String param) {
        return new ApiError(ApiError.Kind.NOT_FOUND, "No such File object: " + id, param, null, -1);
    }

    private void content(RoutingContext ctx) {
        FileRecord f = file(ctx);
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/octet-stream")
                .sendFile(emulator.data().resolve(f.dataFile).toString());
    }

    private void deleteFile(RoutingContext ctx) {
        FileRecord f = file(ctx);
        // a batch still reading the file keeps its content; only the file object goes
        boolean inUse = emulator.engine().list(Provider.OPENAI).stream()
                .anyMatch(b -> f.id.equals(b.inputFileId) && !b.phase.terminal());
        Http.blocking(ctx, () -> emulator.data().deleteFile(f.id, !inUse), deleted -> Http.json(ctx, 200, Json.object()
                .put("id", f.id).put("object", "file").put("deleted", deleted)));
    }

    private void create(RoutingContext ctx) {
        JsonNode body = Http.object(ctx);
        String inputFileId = required(body, "input_file_id");
        String endpoint = OpenAiFormat.normalise(required(body, "endpoint"));
        if (!OpenAiFormat.ENDPOINTS.contains(endpoint)) {
            throw ApiError.invalid("Invalid value for 'endpoint': the sandbox supports " + OpenAiFormat.ENDPOINTS
                    + ".", "endpoint");
        }
        String window = required(body, "completion_window");
        if (!"24h".equals(window)) {
            throw ApiError.invalid("Invalid value for 'completion_window': only '24h' is supported.",
                    "completion_window");
        }
        BatchRecord b = new BatchRecord();
        b.metadata.putAll(metadata(body.get("metadata")));
        FileRecord input = file(inputFileId).orElseThrow(() -> fileNotFound(inputFileId, "input_file_id"));
        if (!"batch".equals(input.purpose)) {
            throw ApiError.invalid("The input file must have purpose 'batch'; " + inputFileId + " has purpose '"
                    + input.purpose + "'.", "input_file_id");
        }
        b.id = Ids.openAiBatch();
        b.provider = Provider.OPENAI;
        b.endpoint = endpoint;
        b.completionWindow = window;
        b.inputFileId = inputFileId;
        b.requestsFile = input.dataFile;
        b.outputFile = emulator.data().batchFile(b.id, "output");
        b.errorFile = emulator.data().batchFile(b.id, "errors");
        Http.blocking(ctx, () -> emulator.engine().create(b, System.currentTimeMillis()), created -> Http.json(ctx, 200,
                json(created)));
    }

    private static String required(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw ApiError.invalid("Missing required parameter: '" + field + "'.", field);
        }
        return v.asText();
    }

    /** At most 16 string pairs, keys up to 64 and values up to 512 characters. */
    private static Map<String, String> metadata(JsonNode metadata) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        if (metadata == null || metadata.isNull()) {
            return out;
        }
        if (!metadata.isObject()) {
            throw ApiError.invalid("Invalid type for 'metadata': expected an object.", "metadata");
        }
        if (metadata.size() > 16) {
            throw ApiError.invalid("Invalid 'metadata': too many properties. Expected at most 16, but got "
                    + metadata.size() + ".", "metadata");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().length() > 64) {
                throw ApiError.invalid("Invalid 'metadata': key '" + e.getKey() + "' is longer than 64 characters.",
                        "metadata");
            }
            if (!e.getValue().isTextual()) {
                throw ApiError.invalid("Invalid type for 'metadata." + e.getKey() + "': expected a string.",
                        "metadata");
            }
            if (e.getValue().asText().length() > 512) {
                throw ApiError.invalid("Invalid 'metadata." + e.getKey() + "': string too long. Expected at most "
                        + "512 characters.", "metadata");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    @Override
    ApiError batchNotFound(String id) {
        return new ApiError(ApiError.Kind.NOT_FOUND, "No batch found with id '" + id + "'.", "batch_id", null, -1);
    }

    private ObjectNode json(BatchRecord b) {
        synchronized (b) {
            return format.batchJson(b);
        }
    }

    /** An unknown {@code after} is an empty page, as OpenAI answers it. */
    private void list(RoutingContext ctx) {
        int limit = Http.intParam(ctx, "limit", 20, 1, 100);
        String after = ctx.request().getParam("after");
        Page page = pageAfter(after == null || after.isEmpty() ? null : after, limit).orElse(Page.EMPTY);
        Http.json(ctx, 200, page.json(this::json).put("object", "list"));
    }

    private void cancel(RoutingContext ctx) {
        BatchRecord b = batch(ctx.pathParam("id"));
        cancel(ctx, b, ok -> {
            if (!ok) {
                ctx.fail(ApiError.invalid("Cannot cancel a batch with status '" + format.state(b.phase) + "'."));
                return;
            }
            Http.json(ctx, 200, json(b));
        });
    }
}
