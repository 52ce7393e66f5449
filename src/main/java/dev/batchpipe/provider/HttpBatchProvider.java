package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;

/**
 * What the three batch APIs share: requests under a base URL with the API's own headers, batch listings read page
 * by page, and wire statuses mapped to {@link ProviderBatch.State}. An adapter says only what differs.
 */
abstract class HttpBatchProvider implements BatchProvider {

    static final ContentType JSON_CONTENT = ContentType.create("application/json");

    protected final ProviderHttp http;
    private final ProviderHttp.ErrorDecoder errors;

    protected HttpBatchProvider(ProviderHttp http, ProviderHttp.ErrorDecoder errors) {
        this.http = http;
        this.errors = errors;
    }

    /** The API's base URL, asked for on each call (the built-in sandbox's is only known once it runs). */
    protected abstract String baseUrl();

    /** The headers every call to the API carries: its credentials, and its version where it has one. */
    protected abstract Map<String, String> headers();

    /** The URL of a path under the base URL; an adapter adds what every URL of its API needs. */
    protected String url(String pathAndQuery) {
        return baseUrl() + pathAndQuery;
    }

    /** A call to any URL (an upload session's), without the API's headers. */
    protected final ProviderRequest call(String method, String url) {
        return ProviderRequest.of(name(), method, url, errors);
    }

    protected final ProviderRequest httpGet(String pathAndQuery) {
        return withHeaders(call("GET", url(pathAndQuery)));
    }

    /** A POST without a body (cancel). */
    protected final ProviderRequest httpPost(String pathAndQuery) {
        return withHeaders(call("POST", url(pathAndQuery)));
    }

    protected final ProviderRequest httpPost(String pathAndQuery, HttpEntity body) {
        return withHeaders(call("POST", url(pathAndQuery))).body(body);
    }

    protected final ProviderRequest httpPost(String pathAndQuery, JsonNode body) {
        return httpPost(pathAndQuery, new StringEntity(body.toString(), JSON_CONTENT));
    }

    private ProviderRequest withHeaders(ProviderRequest request) {
        ProviderRequest r = request;
        for (Map.Entry<String, String> h : headers().entrySet()) {
            r = r.header(h.getKey(), h.getValue());
        }
        return r;
    }

    /**
     * How an API lists batches: {@code path?sizeParameter=100[&cursorParameter=…]}, the batches under
     * {@code itemsField}, and the next page's cursor read from a page (null or empty on the last).
     */
    protected record Listing(String path, String sizeParameter, String cursorParameter, String itemsField,
                             Function<JsonNode, String> nextCursor) {
    }

    /** The batches the API lists, newest first where it says so, read page by page only as far as they are used. */
    protected final Stream<JsonNode> list(Listing listing) {
        Iterator<JsonNode> batches = new Iterator<>() {
            private Iterator<JsonNode> page = null;
            private String cursor = null;
            private boolean last = false;

            @Override
            public boolean hasNext() {
                while ((page == null || !page.hasNext()) && !last) {
                    JsonNode answer = page(httpGet(listing.path() + "?" + listing.sizeParameter() + "=100"
                            + (cursor == null ? "" : "&" + listing.cursorParameter() + "="
                            + URLEncoder.encode(cursor, StandardCharsets.UTF_8))));
                    page = answer.path(listing.itemsField()).iterator();
                    cursor = listing.nextCursor().apply(answer);
                    last = cursor == null || cursor.isEmpty();
                }
                return page.hasNext();
            }

            @Override
            public JsonNode next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.next();
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(batches, Spliterator.ORDERED), false);
    }

    /** One page of a listing, as JSON. */
    protected JsonNode page(ProviderRequest request) {
        return http.json(request);
    }

    /** The cursor of OpenAI-style listings: the last id, while {@code has_more}. */
    static String lastIdWhileMore(JsonNode page) {
        return page.path("has_more").asBoolean(false) ? ProviderJson.text(page, "last_id") : null;
    }

    /** A wire status in provider-neutral terms; one the adapter does not know is the provider's fault (retryable). */
    static ProviderBatch.State state(Map<String, ProviderBatch.State> states, String status) {
        ProviderBatch.State state = states.get(status);
        if (state == null) {
            throw new ProviderException(200, "unknown_status", "unknown batch status '" + status + "'", true);
        }
        return state;
    }
}
