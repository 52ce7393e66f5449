package dev.batchpipe.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * What every call under {@code /api} meets before any route sees it (so endpoints added later are covered too), in
 * the HTTP server itself: a body declared larger than {@code BATCHPIPE_MAX_BODY_BYTES} is refused (413) before it
 * is read; a caller whose body stops arriving for the read timeout is answered 408 and disconnected; a changing call
 * ({@code POST}, {@code PUT}, {@code PATCH}, {@code DELETE}) needs the {@link ApiGuard}'s consent (401), and an
 * address with too many refusals waits (429). Each refusal is an RFC 9457 problem; nothing is read further or written.
 */
public final class RequestLimits implements Handler<RoutingContext> {

    private static final Set<HttpMethod> CHANGING = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
            HttpMethod.DELETE);

    private final ApiGuard guard;
    private final long maxBodyBytes;
    private final Duration readTimeout;

    public RequestLimits(ApiGuard guard, long maxBodyBytes, Duration readTimeout) {
        this.guard = guard;
        this.maxBodyBytes = maxBodyBytes;
        this.readTimeout = readTimeout;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** Puts the limits in front of every route of the platform-http server on {@code port}. */
    public void install(CamelContext context, int port) {
        VertxPlatformHttpRouter.lookup(context, VertxPlatformHttpRouter.getRouterNameFromPort(port))
                .route("/api/*").order(-1000).handler(this);
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String address = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        String length = request.getHeader("Content-Length");
        if (length != null && declaredLength(length) > maxBodyBytes) {
            refuse(ctx, new ApiProblem(413, "the body is larger than " + maxBodyBytes
                    + " bytes (BATCHPIPE_MAX_BODY_BYTES); split it, or drop the file in the inbox"), null);
            return;
        }
        if (CHANGING.contains(request.method())) {
            var wait = guard.throttled(address);
            if (wait.isPresent()) {
                long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
                refuse(ctx, new ApiProblem(429, "too many refused calls from this address; try again in " + seconds
                        + " s"), seconds);
                return;
            }
            String denied = guard.denied(request.getHeader("Authorization"));
            if (denied != null) {
                guard.failed(address);
                refuse(ctx, new ApiProblem(401, denied), null);
                return;
            }
        }
        if (!request.isEnded()) {
            watchForStalls(ctx);
        }
        ctx.next();
    }

    /** A malformed length is left to the server; a huge one counts as too large. */
    private static long declaredLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return value.trim().chars().allMatch(Character::isDigit) && !value.isBlank() ? Long.MAX_VALUE : -1;
        }
    }

    /** Every read timeout, checks that more of the body arrived; a body that stalls ends the call with a 408. */
    private void watchForStalls(RoutingContext ctx) {
        Vertx vertx = ctx.vertx();
        HttpServerRequest request = ctx.request();
        long[] seen = {-1};
        long timer = vertx.setPeriodic(readTimeout.toMillis(), id -> {
            if (request.isEnded() || ctx.response().ended()) {
                vertx.cancelTimer(id);
            } else if (request.bytesRead() == seen[0]) {
                vertx.cancelTimer(id);
                refuse(ctx, new ApiProblem(408, "the request body stopped arriving for " + readTimeout.toSeconds()
                        + " s"), null);
            } else {
                seen[0] = request.bytesRead();
            }
        });
        ctx.addEndHandler(done -> vertx.cancelTimer(timer));
    }

    /** Answers the problem and closes the connection: what is still unread of the body is never read. */
    private static void refuse(RoutingContext ctx, ApiProblem problem, Long retryAfterSeconds) {
        if (ctx.response().ended() || ctx.response().headWritten()) {
            ctx.request().connection().close();
            return;
        }
        String body;
        try {
            body = ApiJson.mapper().writeValueAsString(problem.body());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        var response = ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", ApiProblem.MEDIA_TYPE)
                .putHeader("Connection", "close");
        if (retryAfterSeconds != null) {
            response.putHeader("Retry-After", Long.toString(retryAfterSeconds));
        }
        response.end(body).onComplete(done -> ctx.request().connection().close());
    }
}
