package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code /sandbox/...}: what tests and operators use to look inside and to steer the sandbox. No authentication:
 * the sandbox binds to loopback by default.
 */
final class AdminApi {

    private final SandboxServer server;
    private final BatchEngine engine;

    AdminApi(SandboxServer server, BatchEngine engine) {
        this.server = server;
        this.engine = engine;
    }

    void mount(Router router) {
        router.get("/sandbox").handler(this::info);
        router.get("/sandbox/stats").handler(ctx -> Http.json(ctx, 200, server.stats()));
        router.get("/sandbox/faults").handler(ctx -> Http.json(ctx, 200, server.faults()));
        router.post("/sandbox/faults").handler(Http.jsonBody()).handler(this::updateFaults);
        router.delete("/sandbox/faults").handler(ctx -> {
            server.faults().reset();
            Http.json(ctx, 200, server.faults());
        });
        router.post("/sandbox/reset").handler(ctx -> {
            server.reset();
            Http.json(ctx, 200, server.stats());
        });
        router.get("/sandbox/batches").handler(this::batches);
        router.get("/sandbox/requests").handler(this::requests);
        router.delete("/sandbox/requests").handler(ctx -> {
            server.forgetReceived();
            Http.json(ctx, 200, Json.MAPPER.createArrayNode());
        });
    }

    /** The received provider calls, oldest first; {@code provider} filters, {@code limit} keeps the newest N. */
    private void requests(RoutingContext ctx) {
        String provider = ctx.request().getParam("provider");
        if (provider != null) {
            Provider.fromWireName(provider);
        }
        int limit = Http.intParam(ctx, "limit", ReceivedRequests.CAPACITY, 1, ReceivedRequests.CAPACITY);
        List<ReceivedRequest> all = server.received().stream()
                .filter(r -> provider == null || r.provider().equals(provider.toLowerCase(Locale.ROOT))).toList();
        Http.json(ctx, 200, all.subList(Math.max(0, all.size() - limit), all.size()));
    }

    private void info(RoutingContext ctx) {
        ObjectNode out = Json.object();
        out.put("openai", server.openAiBaseUrl());
        out.put("anthropic", server.anthropicBaseUrl());
        out.put("gemini", server.geminiBaseUrl());
        SandboxConfig c = server.config();
        out.put("dataDir", server.dataDir().toString());
        out.put("speed", c.speed());
        out.put("tokensPerSecond", c.tokensPerSecond());
        out.put("completionWindow", c.completionWindow().toString());
        out.put("stageDelay", c.stageDelay().toString());
        out.put("apiKeyRequired", c.apiKey() != null);
        Http.json(ctx, 200, out);
    }

    /**
     * Merges {@code {"openai":{…},"anthropic":{…},"gemini":{…},"all":{…}}} into the live knobs; fields left out keep
     * their value. {@code all} applies to every provider before the provider-specific parts.
     */
    private void updateFaults(RoutingContext ctx) {
        JsonNode body = Http.object(ctx);
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!"all".equals(name)) {
                Provider.fromWireName(name);
            }
        }
        try {
            if (body.has("all")) {
                for (Provider p : Provider.values()) {
                    Json.MAPPER.readerForUpdating(server.faults().of(p)).readValue(body.get("all"));
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!"all".equals(e.getKey())) {
                    Json.MAPPER.readerForUpdating(server.faults().of(Provider.fromWireName(e.getKey())))
                            .readValue(e.getValue());
                }
            }
        } catch (IOException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw ApiError.invalid("Invalid faults: " + Http.firstLine(cause instanceof Exception ex ? ex : e));
        }
        Http.json(ctx, 200, server.faults());
    }

    private void batches(RoutingContext ctx) {
        ObjectNode out = Json.object();
        for (Provider p : Provider.values()) {
            ArrayNode list = out.putArray(p.wireName());
            for (BatchRecord b : engine.list(p)) {
                synchronized (b) {
                    list.addObject().put("id", b.id).put("state", engine.format(p).state(b.phase))
                            .put("model", b.model).put("total", b.total).put("succeeded", b.succeeded)
                            .put("errored", b.errored).put("expired", b.expired).put("cancelled", b.cancelled)
                            .put("estimatedTokens", b.totalTokens()).put("createdAt", Json.rfc3339(b.createdAt));
                }
            }
        }
        Http.json(ctx, 200, out);
    }
}
