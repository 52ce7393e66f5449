package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP for provider adapters. Transient failures (429, 5xx, dropped connections) are retried with exponential
 * back-off and full jitter, bounded in attempts; a Retry-After header is honoured. Calls that are not safe to repeat
 * (creating a batch) pass {@link Retry#NONE} and recover through the pipeline's state machine instead.
 */
public final class ProviderHttp {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderHttp.class);
    static final ObjectMapper JSON = new ObjectMapper();

    /** How a call is retried. {@code onlyRateLimits}: retry 429s only (the provider did not act on the request). */
    public record Retry(int attempts, Duration base, Duration max, boolean rateLimitsOnly) {
        public static final Retry NONE = new Retry(1, Duration.ZERO, Duration.ZERO, false);

        public Retry onlyRateLimits() {
            return new Retry(attempts, base, max, true);
        }
    }

    /** Turns an error response into an exception carrying the provider's own code and message. */
    public interface ErrorDecoder {
        ProviderException decode(int status, String body);
    }

    private final HttpClient client;
    private final Retry retry;
    private final ErrorDecoder errors;
    private final String provider;

    public ProviderHttp(String provider, Retry retry, ErrorDecoder errors) {
        this.provider = provider;
        this.retry = retry;
        this.errors = errors;
        this.client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public Retry defaultRetry() {
        return retry;
    }

    public JsonNode json(Supplier<HttpRequest> request) {
        return json(request, retry);
    }

    public JsonNode json(Supplier<HttpRequest> request, Retry policy) {
        return send(request, policy, HttpResponse.BodyHandlers.ofString(), body -> {
            try {
                return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
            } catch (IOException e) {
                throw new ProviderException(200, "invalid_json", provider + " answered with invalid JSON", true, e);
            }
        });
    }

    /** A streamed body (results files); the caller closes it. */
    public InputStream stream(Supplier<HttpRequest> request) {
        return send(request, retry, HttpResponse.BodyHandlers.ofInputStream(), Function.identity());
    }

    /** The raw response for calls whose headers matter (resumable uploads). */
    public HttpResponse<String> raw(Supplier<HttpRequest> request, Retry policy) {
        return send(request, policy, HttpResponse.BodyHandlers.ofString(), null);
    }

    @SuppressWarnings("unchecked")
    private <B, T> T send(Supplier<HttpRequest> request, Retry policy, HttpResponse.BodyHandler<B> handler,
                          Function<B, T> onSuccess) {
        ProviderException last = null;
        for (int attempt = 1; attempt <= policy.attempts(); attempt++) {
            HttpRequest req = request.get();
            Duration wait;
            try {
                HttpResponse<B> response = client.send(req, handler);
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return onSuccess == null ? (T) response : onSuccess.apply(response.body());
                }
                String body = bodyText(response.body());
                last = redacted(errors.decode(status, body), req);
                boolean retryable = status == 429 || (!policy.rateLimitsOnly() && last.retryable());
                if (!retryable || attempt == policy.attempts()) {
                    throw last;
                }
                wait = retryAfter(response).orElse(backoff(policy, attempt));
            } catch (IOException e) {
                last = redacted(new ProviderException(0, "connection", provider + " " + req.method() + " " + path(req)
                        + " failed: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : " " + e.getMessage()), true, e), req);
                if (policy.rateLimitsOnly() || attempt == policy.attempts()) {
                    throw last;
                }
                wait = backoff(policy, attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException(0, "interrupted", provider + " call interrupted", true, e);
            }
            LOG.debug("{} {} {}: {} – retry {} of {} in {} ms", provider, req.method(), path(req), last.getMessage(),
                    attempt, policy.attempts() - 1, wait.toMillis());
            sleep(wait);
        }
        throw last;
    }

    private static final java.util.List<String> CREDENTIAL_HEADERS =
            java.util.List.of("authorization", "x-api-key", "api-key", "x-goog-api-key");

    /**
     * The exception with every credential this request carried masked: error bodies may echo what they were sent,
     * and these messages end up in logs and in the database.
     */
    static ProviderException redacted(ProviderException e, HttpRequest req) {
        String message = e.getMessage();
        for (String header : CREDENTIAL_HEADERS) {
            for (String value : req.headers().allValues(header)) {
                String secret = value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).trim() : value.trim();
                if (secret.length() >= 8 && message.contains(secret)) {
                    message = message.replace(secret, "***");
                }
            }
        }
        return message.equals(e.getMessage()) ? e
                : new ProviderException(e.status(), e.code(), message, e.retryable(), e.getCause());
    }

    private static String path(HttpRequest req) {
        return req.uri().getPath(); // never the query: some providers accept keys there
    }

    private static String bodyText(Object body) throws IOException {
        if (body instanceof String s) {
            return s;
        }
        if (body instanceof InputStream in) {
            try (in) {
                return new String(in.readNBytes(64 * 1024), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    /** Retry-After in seconds (or an HTTP date, which we treat as "a while": the cap). */
    static java.util.Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("retry-after").map(v -> {
            try {
                return Duration.ofMillis((long) (Double.parseDouble(v.trim()) * 1000));
            } catch (NumberFormatException e) {
                return Duration.ofSeconds(30);
            }
        }).map(d -> d.compareTo(Duration.ofMinutes(5)) > 0 ? Duration.ofMinutes(5) : d);
    }

    /** Full jitter: uniform in [0, min(max, base·2^(attempt-1))]. */
    static Duration backoff(Retry policy, int attempt) {
        long cap = Math.min(policy.max().toMillis(), policy.base().toMillis() * (1L << Math.min(attempt - 1, 20)));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap + 1));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(0, "interrupted", "interrupted while backing off", true, e);
        }
    }

    public static URI uri(String base, String path) {
        return URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) + path : base + path);
    }
}
