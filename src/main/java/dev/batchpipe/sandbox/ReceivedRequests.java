package dev.batchpipe.sandbox;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The last provider calls the sandbox received, so contract tests can check exactly what a client sent: method,
 * path, query, headers (credentials masked) and the first bytes of the body. Bounded: only the newest
 * {@link #CAPACITY} calls and {@link #BODY_BYTES} of each body are kept.
 */
final class ReceivedRequests {

    static final int CAPACITY = 2000;
    static final int BODY_BYTES = 64 * 1024;
    static final String MASK = "***";
    private static final String KEY = "sandbox.received";
    private static final Set<String> SECRET_HEADERS = Set.of("authorization", "api-key", "x-api-key", "x-goog-api-key");
    private static final Pattern KEY_PARAM = Pattern.compile("(^|&)key=[^&]*");

    /** One call as it arrived; {@code status} is 0 until answered (and stays 0 for a dropped connection). */
    private static final class Entry {
        final Provider provider;
        final String method;
        final String path;
        final String query;
        final Map<String, String> headers;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        long bodyBytes;
        int status;

        Entry(Provider provider, HttpServerRequest req) {
            this.provider = provider;
            this.method = req.method().name();
            this.path = req.path();
            this.query = req.query() == null ? null : KEY_PARAM.matcher(req.query()).replaceAll("$1key=" + MASK);
            this.headers = new TreeMap<>();
            req.headers().forEach(h -> headers.merge(h.getKey().toLowerCase(Locale.ROOT), masked(h), (a, b) -> a + ", " + b));
        }

        private static String masked(Map.Entry<String, String> header) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!SECRET_HEADERS.contains(name)) {
                return header.getValue();
            }
            String value = header.getValue();
            int space = value.indexOf(' ');
            // keep the scheme ("Bearer ***") so a test can still tell which kind of credential was sent
            return name.equals("authorization") && space > 0 ? value.substring(0, space + 1) + MASK : MASK;
        }

        synchronized void body(Buffer chunk) {
            bodyBytes += chunk.length();
            int room = BODY_BYTES - body.size();
            if (room > 0) {
                body.write(chunk.getBytes(), 0, Math.min(room, chunk.length()));
            }
        }

        synchronized ReceivedRequest snapshot() {
            return new ReceivedRequest(provider.wireName(), method, path, query, Map.copyOf(headers), status, bodyBytes,
                    body.toString(StandardCharsets.UTF_8));
        }
    }

    private final Deque<Entry> entries = new ArrayDeque<>();

    /** Starts recording a provider call; its body is added by whoever reads it ({@link #body}). */
    void record(RoutingContext ctx, Provider provider) {
        Entry e = new Entry(provider, ctx.request());
        ctx.put(KEY, e);
        ctx.addEndHandler(ar -> {
            Buffer read = ctx.body() == null ? null : ctx.body().buffer();
            synchronized (e) {
                e.status = ctx.response().getStatusCode();
                if (e.bodyBytes == 0 && read != null) {
                    e.body(read); // a body read whole by a BodyHandler
                }
            }
        });
        synchronized (entries) {
            entries.addLast(e);
            if (entries.size() > CAPACITY) {
                entries.removeFirst();
            }
        }
    }

    /** Adds a chunk of a call's body as it streams in (uploads, batch creates). */
    static void body(RoutingContext ctx, Buffer chunk) {
        Entry e = ctx.get(KEY);
        if (e != null) {
            e.body(chunk);
        }
    }

    List<ReceivedRequest> list() {
        synchronized (entries) {
            return entries.stream().map(Entry::snapshot).toList();
        }
    }

    void clear() {
        synchronized (entries) {
            entries.clear();
        }
    }
}
