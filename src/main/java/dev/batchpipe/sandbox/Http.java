package dev.batchpipe.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** Request and response plumbing shared by the provider APIs. */
final class Http {

    static final String PROVIDER = "sandbox.provider";
    /** Small JSON bodies (create calls, realtime requests with inline images) are read into memory. */
    static final long JSON_BODY_LIMIT = 64 * SandboxConfig.MB;

    private Http() {
    }

    /** The base URL the client used to reach the sandbox (its Host header), for URLs the sandbox hands out. */
    static String base(RoutingContext ctx) {
        String host = ctx.request().getHeader(HttpHeaders.HOST);
        if (host == null || host.isBlank()) {
            host = ctx.request().localAddress().host() + ":" + ctx.request().localAddress().port();
        }
        return "http://" + host;
    }

    static BodyHandler jsonBody() {
        return BodyHandler.create(false).setBodyLimit(JSON_BODY_LIMIT);
    }

    static void json(RoutingContext ctx, int status, Object body) {
        try {
            ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                    .end(Buffer.buffer(Json.MAPPER.writeValueAsBytes(body)));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }

    /** The request body as JSON; anything else is the provider's 400. */
    static JsonNode body(RoutingContext ctx) {
        Buffer buffer = ctx.body().buffer();
        if (buffer == null || buffer.length() == 0) {
            throw ApiError.invalid("The request body is empty; expected JSON.");
        }
        try {
            return Json.MAPPER.readTree(buffer.getBytes());
        } catch (IOException e) {
            throw ApiError.invalid("We could not parse the JSON body of your request. (" + firstLine(e) + ")");
        }
    }

    static JsonNode object(RoutingContext ctx) {
        JsonNode body = body(ctx);
        if (!body.isObject()) {
            throw ApiError.invalid("The request body must be a JSON object.");
        }
        return body;
    }

    static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** Runs blocking work (disk, parsing big files) on a worker thread and answers from its result. */
    static <T> void blocking(RoutingContext ctx, Callable<T> work, Consumer<T> respond) {
        ctx.vertx().<T>executeBlocking(work, false).onComplete(ar -> {
            if (ar.succeeded()) {
                try {
                    respond.accept(ar.result());
                } catch (RuntimeException e) {
                    ctx.fail(e);
                }
            } else {
                ctx.fail(ar.cause());
            }
        });
    }

    /** Streams the request body to a file without holding it in memory; fails with 413 past {@code limit}. */
    static Future<Path> spool(RoutingContext ctx, Path target, long limit) {
        String declared = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (declared != null && parseLong(declared) > limit) {
            return Future.failedFuture(tooLarge(limit));
        }
        Future<Path> done = pump(ctx, ctx.request(), target, limit, false);
        ctx.request().resume();
        return done;
    }

    /**
     * Copies a stream (a request, or one part of a multipart request) to a file with back-pressure, counting bytes
     * so a body without Content-Length is also cut at the limit. {@code append} adds to an existing file (a
     * resumable upload's next chunk).
     */
    static Future<Path> pump(RoutingContext ctx, ReadStream<Buffer> source, Path target, long limit, boolean append) {
        Promise<Path> done = Promise.promise();
        AsyncFile file = ctx.vertx().fileSystem().openBlocking(target.toString(), new OpenOptions().setWrite(true)
                .setCreate(true).setAppend(append).setTruncateExisting(!append));
        long[] count = {0};
        source.handler(buf -> {
            if (done.future().isComplete()) {
                return;
            }
            count[0] += buf.length();
            ReceivedRequests.body(ctx, buf);
            if (count[0] > limit) {
                file.close().onComplete(v -> delete(target));
                done.tryFail(tooLarge(limit));
                return;
            }
            file.write(buf);
            if (file.writeQueueFull()) {
                source.pause();
                file.drainHandler(v -> source.resume());
            }
        });
        source.exceptionHandler(e -> {
            file.close().onComplete(v -> delete(target));
            done.tryFail(e);
        });
        source.endHandler(v -> {
            if (!done.future().isComplete()) {
                file.close().onComplete(ar -> {
                    if (ar.succeeded()) {
                        done.tryComplete(target);
                    } else {
                        done.tryFail(ar.cause());
                    }
                });
            }
        });
        return done.future();
    }

    static ApiError tooLarge(long limit) {
        return ApiError.tooLarge("Request exceeds the maximum allowed size of " + limit + " bytes.");
    }

    static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long parseLong(String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A query parameter as an int within bounds, or the default; out of bounds is the provider's 400. */
    static int intParam(RoutingContext ctx, String name, int dflt, int min, int max) {
        String v = ctx.request().getParam(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        long n = parseLong(v);
        if (n < min || n > max) {
            throw ApiError.invalid(name + ": must be an integer between " + min + " and " + max, name);
        }
        return (int) n;
    }
}
