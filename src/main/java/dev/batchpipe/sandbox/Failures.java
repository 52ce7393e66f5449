package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Renders every failed call in its provider's error shape; unexpected exceptions become that provider's 500. */
final class Failures implements Handler<RoutingContext> {

    private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

    @Override
    public void handle(RoutingContext ctx) {
        if (ctx.response().headWritten()) {
            ctx.response().reset();
            return;
        }
        ApiError e = toApiError(ctx);
        Provider provider = ctx.get(Http.PROVIDER);
        if (!ctx.request().isEnded()) {
            // an unread body (rejected early, or cut at a size limit) cannot be skipped: end the connection after
            // answering, and let the rest of the body be discarded
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            ctx.request().handler(null);
            ctx.request().resume();
        }
        if (e.retryAfterSeconds >= 0) {
            ctx.response().putHeader("Retry-After", String.valueOf(e.retryAfterSeconds));
        }
        ObjectNode body;
        if (provider == null) {
            body = Json.object();
            body.putObject("error").put("message", e.getMessage()).put("status", e.kind.status);
        } else {
            body = switch (provider) {
                case OPENAI -> OpenAiFormat.errorBody(e);
                case ANTHROPIC -> {
                    String requestId = Ids.anthropicRequest();
                    ctx.response().putHeader("request-id", requestId);
                    yield AnthropicFormat.errorBody(e, requestId);
                }
                case GEMINI -> GeminiFormat.errorBody(e);
            };
        }
        Http.json(ctx, e.kind.status, body);
    }

    private static ApiError toApiError(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (failure instanceof ApiError api) {
            return api;
        }
        if (failure instanceof IllegalArgumentException bad) {
            return ApiError.invalid(bad.getMessage());
        }
        int status = ctx.statusCode();
        if (failure == null && status == 413) {
            return ApiError.tooLarge("Request exceeds the maximum allowed size.");
        }
        if (failure == null && status >= 400 && status < 500) {
            return new ApiError(ApiError.Kind.ofStatus(status), "Request failed with status " + status + ".");
        }
        LOG.error("Sandbox call {} {} failed", ctx.request().method(), ctx.request().path(), failure);
        return new ApiError(ApiError.Kind.INTERNAL, "The sandbox failed: " + failure);
    }
}
