package dev.batchpipe.sandbox;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ThreadLocalRandom;

/**
 * First handler of every provider call: tags the call with its provider, records it, counts the status it ends
 * with, and applies what happens before a real provider looks at a request: added latency and dropped connections,
 * the API key check, then injected 429s and 5xx; or, after it, an answer lost on the way back.
 */
final class ProviderCallFilter implements Handler<RoutingContext> {

    private final SandboxConfig config;
    private final SandboxFaults faults;
    private final Counters counters;
    private final ReceivedRequests received;

    ProviderCallFilter(SandboxConfig config, SandboxFaults faults, Counters counters, ReceivedRequests received) {
        this.config = config;
        this.faults = faults;
        this.counters = counters;
        this.received = received;
    }

    /** Which provider a path belongs to, or null for paths no provider has. */
    static Provider providerOf(String path) {
        if (path.startsWith("/v1/messages")) {
            return Provider.ANTHROPIC;
        }
        if (path.startsWith("/v1beta/") || path.startsWith("/upload/v1beta/") || path.startsWith("/download/v1beta/")) {
            return Provider.GEMINI;
        }
        if (path.startsWith("/v1/") || path.startsWith("/openai/")) {
            return Provider.OPENAI;
        }
        return null;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        Provider provider = providerOf(req.path());
        if (provider == null) {
            ctx.next();
            return;
        }
        ctx.put(Http.PROVIDER, provider);
        received.record(ctx, provider);
        Counters.PerProvider count = counters.of(provider);
        ctx.addEndHandler(ar -> {
            if (ar.succeeded()) {
                count.status(ctx.response().getStatusCode());
            }
        });
        ProviderFaults f = faults.of(provider);
        boolean targeted = f.targets(req.method().name(), req.path());
        long latency = targeted ? f.latencyMillis() : 0;
        if (latency > 0) {
            // the body must wait for the handler that reads it
            req.pause();
            ctx.vertx().setTimer(latency, id -> proceed(ctx, provider, f, targeted));
        } else {
            proceed(ctx, provider, f, targeted);
        }
    }

    private void proceed(RoutingContext ctx, Provider provider, ProviderFaults f, boolean targeted) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (targeted && rnd.nextDouble() < f.dropProbability()) {
            counters.of(provider).dropped.increment();
            ctx.request().connection().close();
            return;
        }
        try {
            authenticate(ctx, provider);
            if (targeted && rnd.nextDouble() < f.rateLimitProbability()) {
                throw new ApiError(ApiError.Kind.RATE_LIMITED, "Rate limit reached for requests (sandbox fault). "
                        + "Please try again in " + f.retryAfterSeconds() + "s.", null, null, f.retryAfterSeconds());
            }
            if (targeted && rnd.nextDouble() < f.serverErrorProbability()) {
                int status = f.serverErrorStatus();
                throw new ApiError(ApiError.Kind.ofStatus(status), status == 529 ? "Overloaded (sandbox fault)."
                        : "The server had an error while processing your request (sandbox fault).");
            }
            if (targeted && rnd.nextDouble() < f.lostResponseProbability()) {
                // the call is carried out; only its answer never leaves
                ctx.addHeadersEndHandler(v -> {
                    counters.of(provider).dropped.increment();
                    ctx.request().connection().close();
                });
            }
        } catch (ApiError e) {
            ctx.fail(e);
            return;
        }
        ctx.next();
    }

    private void authenticate(RoutingContext ctx, Provider provider) {
        HttpServerRequest req = ctx.request();
        switch (provider) {
            case OPENAI -> {
                String auth = req.getHeader(HttpHeaders.AUTHORIZATION);
                String key = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim()
                        : req.getHeader("api-key");
                if (key == null || key.isEmpty()) {
                    throw new ApiError(ApiError.Kind.UNAUTHENTICATED, "You didn't provide an API key. You need to "
                            + "provide your API key in an Authorization header using Bearer auth (i.e. "
                            + "Authorization: Bearer YOUR_KEY).");
                }
                if (!accepted(key)) {
                    // OpenAI echoes (part of) the key it refused; the sandbox echoes all of it, so tests can prove
                    // that batchpipe never keeps what a provider echoes
                    throw new ApiError(ApiError.Kind.UNAUTHENTICATED, "Incorrect API key provided: " + key + ". You can "
                            + "find your API key at the sandbox's configuration.", null, "invalid_api_key", -1);
                }
            }
            case ANTHROPIC -> {
                String key = req.getHeader("x-api-key");
                if (key == null || key.isEmpty()) {
                    throw new ApiError(ApiError.Kind.UNAUTHENTICATED, "x-api-key header is required");
                }
                if (!accepted(key)) {
                    throw new ApiError(ApiError.Kind.UNAUTHENTICATED, "invalid x-api-key");
                }
                String version = req.getHeader("anthropic-version");
                if (version == null || version.isEmpty()) {
                    throw ApiError.invalid("anthropic-version: header is required");
                }
            }
            case GEMINI -> {
                if (req.getParam("upload_id") != null) {
                    // a resumable upload URL is its own credential, as with Google's
                    return;
                }
                String key = req.getHeader("x-goog-api-key");
                if (key == null || key.isEmpty()) {
                    key = req.getParam("key");
                }
                if (key == null || key.isEmpty()) {
                    throw new ApiError(ApiError.Kind.UNAUTHENTICATED, "Method doesn't allow unregistered callers "
                            + "(callers without established identity). Please use API Key or other form of API "
                            + "consumer identity to call this API.");
                }
                if (!accepted(key)) {
                    throw new ApiError(ApiError.Kind.UNAUTHENTICATED, "API key not valid. Please pass a valid API "
                            + "key.");
                }
            }
        }
    }

    private boolean accepted(String key) {
        return config.apiKey() == null || config.apiKey().equals(key);
    }
}
