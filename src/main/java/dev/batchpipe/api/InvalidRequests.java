package dev.batchpipe.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.impl.VertxInternal;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * A request the HTTP server could not even parse: headers over Vert.x's 8 KB limit (431) or a request line over its
 * 4 KB limit (414). Vert.x answers these itself, before any route or {@link RequestLimits} sees the call, and by
 * default with an empty body; this handler answers them as RFC 9457 problems like every other refusal. Anything
 * else unparseable is left to Vert.x's default (a 400, or the connection closed). Vert.x closes the connection once
 * the answer is sent.
 */
public final class InvalidRequests implements Handler<HttpServerRequest> {

    @Override
    public void handle(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        ApiProblem problem = cause instanceof TooLongFrameException ? problem(cause.getMessage()) : null;
        if (problem == null) {
            HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER.handle(request);
            return;
        }
        try {
            request.response().setStatusCode(problem.status()).putHeader("Content-Type", ApiProblem.MEDIA_TYPE)
                    .end(ApiJson.mapper().writeValueAsString(problem.body()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Netty says which limit was passed only in its message, which Vert.x's own handler reads the same way. */
    private static ApiProblem problem(String decoderMessage) {
        if (decoderMessage == null) {
            return null;
        }
        if (decoderMessage.startsWith("HTTP header is larger than")) {
            return new ApiProblem(431, "the request's headers are larger than the server accepts (8 KB)");
        }
        if (decoderMessage.startsWith("An HTTP line is larger than")) {
            return new ApiProblem(414, "the request line (method, path and query) is longer than the server accepts "
                    + "(4 KB)");
        }
        return null;
    }

    /**
     * The Vert.x that camel-platform-http-vertx builds its server on (it takes the one in the registry): the same as its
     * own, except that each HTTP server it creates answers invalid requests with {@code handler}. camel-platform-http
     * creates the server and starts it listening in one step, and Vert.x reads the handler only when it starts
     * listening, so creating the server is the one place to set it.
     */
    public static Vertx vertxAnsweringWith(Vertx vertx, Handler<HttpServerRequest> handler) {
        return (Vertx) Proxy.newProxyInstance(InvalidRequests.class.getClassLoader(), new Class<?>[] {VertxInternal.class},
                (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(vertx, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (result instanceof HttpServer server && method.getName().equals("createHttpServer")) {
                        server.invalidRequestHandler(handler);
                    }
                    return result;
                });
    }
}
