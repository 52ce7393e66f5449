package dev.batchpipe.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.CrashPoints;
import dev.batchpipe.image.ImageData;
import dev.batchpipe.image.ImageSpool;
import dev.batchpipe.pipeline.RequestRenderer;
import dev.batchpipe.provider.BatchRequest;
import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.ProviderHttp;
import dev.batchpipe.provider.ProviderRequest;
import dev.batchpipe.provider.Providers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.jdbi.v3.core.Jdbi;

/**
 * Makes one realtime call: the request (or the micro-batch of requests) rendered as for a batch line, sent by its provider's adapter to the
 * synchronous endpoint through {@code provider-http} (naming a Gemini cached content for the shared system prompt where
 * {@link GeminiContextCache} has one), and its answer recorded (committed) before anything else is
 * made of it, so that a crash after this point writes the answer on restart instead of calling again.
 */
public final class RealtimeCaller {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final Providers providers;
    private final RequestRenderer renderer;
    private final ProviderHttp http;
    private final RateLimiter limiter;
    private final ImageSpool images;
    private final GeminiContextCache contextCache;

    public RealtimeCaller(Jdbi jdbi, Providers providers, RequestRenderer renderer, ProviderHttp http,
                          RateLimiter limiter, ImageSpool images, GeminiContextCache contextCache) {
        this.images = images;
        this.contextCache = contextCache;
        this.jdbi = jdbi;
        this.providers = providers;
        this.renderer = renderer;
        this.http = http;
        this.limiter = limiter;
    }

    public RealtimeAnswer call(RealtimeCall c) {
        List<RequestRenderer.Item> items = c.members().stream()
                .map(m -> new RequestRenderer.Item(m.requestId(), m.submission(), parse(m.payload()))).toList();
        BatchRequest rendered = renderer.render(c.task(), c.template(), c.model(), c.endpoint(), items);
        BatchRequest sent = contextCache.use(c.provider(), rendered);
        ProviderHttp.Reply reply = sendNamingCache(c, rendered, sent);
        // every item of a micro-batch gets the answer, in one statement: after a crash each finds it recorded
        jdbi.useHandle(h -> h.createUpdate("INSERT INTO realtime_answers (request_id, submission, provider, synthetic, "
                        + "response) SELECT id, s, :p, :synthetic, CAST(:response AS jsonb) FROM unnest(:ids, :subs) AS "
                        + "x(id, s) ON CONFLICT DO NOTHING")
                .bindArray("ids", Long.class, c.requestIds())
                .bindArray("subs", Integer.class, c.members().stream().map(RealtimeCall.Member::submission).toList())
                .bind("p", c.provider()).bind("synthetic", providers.sandboxed(c.provider()))
                .bind("response", reply.body().toString()).execute());
        CrashPoints.reached("realtime-answered");
        RealtimeAnswer answer = new RealtimeAnswer(c, reply.body());
        limiter.settle(c, providers.get(c.provider()).answer("", reply.body()).usage(), reply.headers());
        return answer;
    }

    /** The call; when Gemini says the cached content it names is gone (404, 403), again with a new one. */
    private ProviderHttp.Reply sendNamingCache(RealtimeCall c, BatchRequest rendered, BatchRequest sent) {
        try {
            return send(c, sent);
        } catch (ProviderException e) {
            if (sent.cachedContent() == null || (e.status() != 404 && e.status() != 403)) {
                throw e;
            }
            contextCache.forget(c.provider(), sent);
            return send(c, contextCache.use(c.provider(), rendered));
        }
    }

    private ProviderHttp.Reply send(RealtimeCall c, BatchRequest r) {
        return http.call(withImages(providers.get(c.provider()).realtime(r)
                // a 429 is not redelivered there: it comes back to the route, to slow the shared budget down
                .retry(ProviderHttp.Retry.SERVER_ERRORS)));
    }

    /** The call with its images' base64 streamed into the body from the spool. */
    private ProviderRequest withImages(ProviderRequest r) {
        byte[] body;
        try {
            body = r.body() == null ? null : EntityUtils.toByteArray(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (body == null || !ImageData.hasImages(body)) {
            return r;
        }
        return new ProviderRequest(r.provider(), r.method(), r.url(), r.headers(),
                ImageData.entity(body, ContentType.APPLICATION_JSON, images::path), r.retry(), r.errors());
    }

    /** The answer an earlier claim of this submission received and recorded. */
    public RealtimeAnswer recorded(RealtimeCall c) {
        return new RealtimeAnswer(c, parse(c.recordedAnswer()));
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("stored JSON is not JSON", e);
        }
    }
}
