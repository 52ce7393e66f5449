package dev.batchpipe.provider;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hc.core5.http.HttpEntity;

/**
 * One call to a provider as its adapter builds it: method, URL, headers and body (an HttpClient 5 entity, streamed
 * from disk where it is a file). Camel's HTTP component sends it (route {@code provider-http}); {@code retry} says
 * which failures may be redelivered, and {@code errors} how the provider words a refusal.
 */
public record ProviderRequest(String provider, String method, String url, Map<String, String> headers,
                              HttpEntity body, ProviderHttp.Retry retry, ProviderHttp.ErrorDecoder errors) {

    public ProviderRequest {
        headers = Map.copyOf(headers);
    }

    static ProviderRequest of(String provider, String method, String url, ProviderHttp.ErrorDecoder errors) {
        return new ProviderRequest(provider, method, url, Map.of(), null, ProviderHttp.Retry.TRANSIENT, errors);
    }

    ProviderRequest header(String name, String value) {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.put(name, value);
        return new ProviderRequest(provider, method, url, all, body, retry, errors);
    }

    ProviderRequest body(HttpEntity entity) {
        return new ProviderRequest(provider, method, url, headers, entity, retry, errors);
    }

    /** The same request with another choice of which failures are redelivered. */
    public ProviderRequest retry(ProviderHttp.Retry policy) {
        return new ProviderRequest(provider, method, url, headers, body, policy, errors);
    }

    /** The path alone, for messages: never the query, where some providers accept keys. */
    String path() {
        return java.net.URI.create(url).getPath();
    }
}
