package dev.batchpipe.sandbox;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Anthropic's Message Batches and Messages endpoints. */
final class AnthropicApi extends ProviderApi<AnthropicFormat> {

    private static final Pattern CUSTOM_ID = Pattern.compile("^[a-zA-Z0-9_-]{1,64}$");

    AnthropicApi(Emulator emulator) {
        super(Provider.ANTHROPIC, emulator);
    }

    @Override
    void mount(Router router) {
        router.post("/v1/messages/batches").handler(this::create);
        router.get("/v1/messages/batches").handler(this::list);
        router.get("/v1/messages/batches/:id")
                .handler(ctx -> Http.json(ctx, 200, json(ctx, batch(ctx.pathParam("id")))));
        router.post("/v1/messages/batches/:id/cancel").handler(this::cancel);
        router.delete("/v1/messages/batches/:id").handler(this::delete);
        router.get("/v1/messages/batches/:id/results").handler(this::results);
        router.post("/v1/messages").handler(Http.jsonBody())
                .handler(ctx -> emulator.realtime().answer(ctx, format, "/v1/messages", null));
    }

    /**
     * The create body can be 256 MB: it is spooled to disk, then stream-parsed one request at a time into the
     * batch's request file, so no more than one request is ever held as a tree.
     */
    private void create(RoutingContext ctx) {
        Path body = emulator.data().tmpFile("anthropic-create");
        Http.spool(ctx, body, emulator.config().anthropicMaxBytes()).onFailure(ctx::fail).onSuccess(path ->
                Http.blocking(ctx, () -> {
                    try {
                        return createFrom(path);
                    } finally {
                        Files.deleteIfExists(path);
                    }
                }, b -> Http.json(ctx, 200, json(ctx, b))));
    }

    private BatchRecord createFrom(Path body) throws IOException {
        BatchRecord b = new BatchRecord();
        b.id = Ids.anthropicBatch();
        b.provider = Provider.ANTHROPIC;
        b.requestsFile = emulator.data().batchFile(b.id, "requests");
        b.outputFile = emulator.data().batchFile(b.id, "output");
        Path requests = emulator.data().resolve(b.requestsFile);
        List<String> ids = new ArrayList<>();
        try {
            parseRequests(body, requests, b, ids);
            return emulator.engine().createAdmitted(b, ids, (model, limit) -> "Number of enqueued batch tokens for " + model
                    + " exceeds your organization's limit of " + limit + ". Please try again once some batches have "
                    + "ended.");
        } catch (RuntimeException | IOException e) {
            Files.deleteIfExists(requests);
            throw e;
        }
    }

    private void parseRequests(Path body, Path requests, BatchRecord b, List<String> ids) throws IOException {
        Set<String> seen = new HashSet<>();
        Map<String, Long> tokens = new LinkedHashMap<>();
        try (JsonParser p = Json.MAPPER.createParser(body.toFile());
             OutputStream out = new BufferedOutputStream(Files.newOutputStream(requests), 1 << 16)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw ApiError.invalid("The request body must be a JSON object.");
            }
            boolean sawRequests = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (!"requests".equals(field)) {
                    p.skipChildren();
                    continue;
                }
                sawRequests = true;
                if (p.currentToken() != JsonToken.START_ARRAY) {
                    throw ApiError.invalid("requests: Input should be a valid list");
                }
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    JsonNode r = p.readValueAsTree();
                    int index = ids.size();
                    if (index >= emulator.config().anthropicMaxRequests()) {
                        throw ApiError.invalid("requests: List should have at most " + emulator.config().anthropicMaxRequests()
                                + " items");
                    }
                    String id = r.path("custom_id").asText(null);
                    if (id == null || !r.get("custom_id").isTextual() || !CUSTOM_ID.matcher(id).matches()) {
                        throw ApiError.invalid("requests." + index + ".custom_id: String should match pattern "
                                + "'^[a-zA-Z0-9_-]{1,64}$'");
                    }
                    if (!seen.add(id)) {
                        throw ApiError.invalid("requests: custom_id '" + id + "' is not unique; each request in a "
                                + "batch needs its own custom_id");
                    }
                    JsonNode params = r.get("params");
                    if (params == null || !params.isObject()) {
                        throw ApiError.invalid("requests." + index + ".params: Field required");
                    }
                    ids.add(id);
                    // params are only checked when the line runs; a bad one still takes queue space until then
                    tokens.merge(modelOf(params), format.estimate(params, null, null), Long::sum);
                    ObjectNode line = Json.object().put("custom_id", id);
                    line.set("params", params);
                    out.write(Json.MAPPER.writeValueAsBytes(line));
                    out.write('\n');
                }
            }
            if (!sawRequests) {
                throw ApiError.invalid("requests: Field required");
            }
        } catch (JsonProcessingException e) {
            throw ApiError.invalid("There was an issue with your request body: " + Http.firstLine(e));
        }
        if (ids.isEmpty()) {
            throw ApiError.invalid("requests: List should have at least 1 item after validation, not 0");
        }
        b.total = ids.size();
        b.tokensByModel.putAll(tokens);
        b.model = tokens.keySet().iterator().next();
    }

    private static String modelOf(JsonNode params) {
        String model = Json.text(params, "model");
        return model == null ? "unknown" : model;
    }

    @Override
    ApiError batchNotFound(String id) {
        return ApiError.notFound("Message batch " + id + " not found.");
    }

    private ObjectNode json(RoutingContext ctx, BatchRecord b) {
        synchronized (b) {
            return format.batchJson(b, Http.base(ctx));
        }
    }

    /** Newest first; {@code after_id} pages towards older batches, {@code before_id} towards newer ones. */
    private void list(RoutingContext ctx) {
        int limit = Http.intParam(ctx, "limit", 20, 1, 1000);
        String afterId = ctx.request().getParam("after_id");
        String beforeId = ctx.request().getParam("before_id");
        Optional<Page> page = afterId == null && beforeId != null ? pageBefore(beforeId, limit)
                : pageAfter(afterId, limit);
        Page found = page.orElseThrow(() -> batchNotFound(afterId != null ? afterId : beforeId));
        Http.json(ctx, 200, found.json(b -> json(ctx, b)));
    }

    private void cancel(RoutingContext ctx) {
        BatchRecord b = batch(ctx.pathParam("id"));
        // cancelling an ended batch changes nothing; Anthropic answers with the batch as it is
        cancel(ctx, b, ok -> Http.json(ctx, 200, json(ctx, b)));
    }

    private void delete(RoutingContext ctx) {
        BatchRecord b = batch(ctx.pathParam("id"));
        delete(ctx, b, "Message batch " + b.id + " cannot be deleted while it is processing; cancel it first.",
                () -> Http.json(ctx, 200, Json.object().put("id", b.id).put("type", "message_batch_deleted")));
    }

    private void results(RoutingContext ctx) {
        BatchRecord b = batch(ctx.pathParam("id"));
        if (!b.phase.terminal()) {
            throw ApiError.invalid("Results for message batch " + b.id + " are not available until it has ended.");
        }
        Path results = emulator.data().resolve(b.outputFile);
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/x-jsonl");
        if (Files.exists(results)) {
            ctx.response().sendFile(results.toString());
        } else {
            ctx.response().end();
        }
    }
}
