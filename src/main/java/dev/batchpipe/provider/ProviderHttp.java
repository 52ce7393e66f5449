package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;

/**
 * Sends the adapters' {@link ProviderRequest}s through the route {@code provider-http} (camel-http). What is retried,
 * how often and how long apart is that route's configuration; this class only hands a request over and gives the
 * answer back in the form the adapter reads it.
 */
public final class ProviderHttp {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ENDPOINT = "direct:provider-http";
    /** The exchange property holding the request, read by the route's beans (error decoding, retry decision). */
    static final String REQUEST = "BatchpipeProviderRequest";

    /** Which failures of a call are redelivered. */
    public enum Retry {
        /** 408, 429, 5xx and dropped connections. */
        TRANSIENT,
        /**
         * 408, 5xx and dropped connections, not 429: a realtime call's 429 goes back to its rate limiter, which makes
         * every call wait and slows down (a redelivery here would pass the shared budget by).
         */
        SERVER_ERRORS,
        /** 429 only: the provider did not act on the request (creating a batch, which must not happen twice). */
        RATE_LIMITS,
        /** Nothing: a repeat would be refused (a resumable upload's one transfer). */
        NONE
    }

    /** Turns an error response into an exception carrying the provider's own code and message. */
    public interface ErrorDecoder {
        ProviderException decode(int status, String body);
    }

    /** A 2xx answer's status and headers. */
    public record Answer(int status, Map<String, Object> headers) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> String.valueOf(e.getValue())).findFirst().orElse(null);
        }
    }

    private static final List<String> CREDENTIAL_HEADERS = List.of("authorization", "x-api-key", "api-key",
            "x-goog-api-key");

    private final ProducerTemplate template;

    public ProviderHttp(ProducerTemplate template) {
        this.template = template;
    }

    /** The answer parsed as JSON (an empty object when it had no body). */
    public JsonNode json(ProviderRequest request) {
        try (InputStream in = send(request).getBody(InputStream.class)) {
            byte[] body = in == null ? new byte[0] : in.readAllBytes();
            return body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            throw new ProviderException(200, "invalid_json", request.provider() + " answered with invalid JSON", true, e);
        }
    }

    /** A 2xx answer read whole: its JSON body and its headers (a realtime call's rate-limit headers). */
    public record Reply(JsonNode body, Map<String, Object> headers) {
    }

    /** The call, its answer parsed as JSON with the headers it came with. */
    public Reply call(ProviderRequest request) {
        Message answer = send(request);
        try (InputStream in = answer.getBody(InputStream.class)) {
            byte[] body = in == null ? new byte[0] : in.readAllBytes();
            return new Reply(body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body), Map.copyOf(
                    answer.getHeaders().entrySet().stream().filter(e -> e.getValue() != null)
                            .collect(java.util.stream.Collectors.toMap(e -> e.getKey().toLowerCase(java.util.Locale.ROOT),
                                    Map.Entry::getValue, (a, b) -> a))));
        } catch (IOException e) {
            throw new ProviderException(200, "invalid_json", request.provider() + " answered with invalid JSON", true, e);
        }
    }

    /** The answer's body as it streams in (results files, gigabytes): the caller reads it and closes it. */
    public InputStream stream(ProviderRequest request) {
        InputStream body = send(request).getBody(InputStream.class);
        return body == null ? InputStream.nullInputStream() : body;
    }

    /** The answer's headers, for calls whose answer is in them (a resumable upload's session); the body is dropped. */
    public Answer headers(ProviderRequest request) {
        Message answer = send(request);
        try (InputStream ignored = answer.getBody(InputStream.class)) {
            return new Answer(answer.getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class), answer.getHeaders());
        } catch (IOException e) {
            throw failed(request, e);
        }
    }

    private Message send(ProviderRequest request) {
        Exchange exchange = template.send(ENDPOINT, ex -> {
            ex.setProperty(REQUEST, request);
            Message in = ex.getIn();
            in.setHeader(Exchange.HTTP_URI, request.url());
            in.setHeader(Exchange.HTTP_METHOD, request.method());
            request.headers().forEach(in::setHeader);
            in.setBody(request.body());
        });
        Exception failure = exchange.getException();
        if (failure != null) {
            throw failed(request, failure);
        }
        return exchange.getMessage();
    }

    /** The provider's refusal as decoded by the route, or a call that got no answer at all. */
    private static ProviderException failed(ProviderRequest request, Exception failure) {
        if (failure instanceof ProviderException e) {
            return e;
        }
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof IOException)) {
            cause = cause.getCause();
        }
        return redacted(new ProviderException(0, "connection", request.provider() + " " + request.method() + " "
                + request.path() + " failed: " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : " " + cause.getMessage()), true, failure), request);
    }

    /**
     * The exception with every credential this request carried masked: error bodies may echo what they were sent,
     * and these messages end up in logs and in the database.
     */
    static ProviderException redacted(ProviderException e, ProviderRequest request) {
        String message = e.getMessage();
        for (Map.Entry<String, String> header : request.headers().entrySet()) {
            if (CREDENTIAL_HEADERS.contains(header.getKey().toLowerCase(java.util.Locale.ROOT))) {
                String value = header.getValue();
                String secret = value.regionMatches(true, 0, "Bearer ", 0, 7) ? value.substring(7).trim() : value.trim();
                if (secret.length() >= 8 && message.contains(secret)) {
                    message = message.replace(secret, "***");
                }
            }
        }
        return message.equals(e.getMessage()) ? e : e.withMessage(message);
    }

    /** At most the first 64 KB of an error body, as text; the stream is closed. */
    static String errorText(InputStream body) throws IOException {
        if (body == null) {
            return "";
        }
        try (body) {
            return new String(body.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        }
    }
}
