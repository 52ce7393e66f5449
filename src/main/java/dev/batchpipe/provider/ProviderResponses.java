package dev.batchpipe.provider;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.UnitOfWorkHelper;

/** What the route {@code provider-http-attempt} makes of a provider's answer. */
public final class ProviderResponses {

    private ProviderResponses() {
    }

    /**
     * A 2xx body, detached from its exchange. camel-http releases the connection when the exchange completes, which
     * for a results file (gigabytes, read line by line by the ingest route) is long after this call returns: the
     * release moves to the stream's {@code close()}, so the caller reads the stream as it arrives and closing it frees
     * the connection.
     */
    public static InputStream keepOpen(Exchange exchange) {
        InputStream body = exchange.getMessage().getBody(InputStream.class);
        if (body == null) {
            return null;
        }
        Exchange holder = new DefaultExchange(exchange.getContext());
        exchange.getExchangeExtension().handoverCompletions(holder);
        return new FilterInputStream(body) {
            private boolean closed;

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    try {
                        super.close();
                    } finally {
                        UnitOfWorkHelper.doneSynchronizations(holder, holder.getExchangeExtension().handoverCompletions());
                    }
                }
            }
        };
    }

    /**
     * A non-2xx answer, thrown as the provider's error: decoded in the provider's terms, credentials masked, with the
     * Retry-After it announced. Whether it is redelivered is the route configuration's decision.
     */
    public static void refuse(Exchange exchange) {
        ProviderRequest request = exchange.getProperty(ProviderHttp.REQUEST, ProviderRequest.class);
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        String body;
        try {
            body = ProviderHttp.errorText(exchange.getMessage().getBody(InputStream.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ProviderException refusal = ProviderHttp.redacted(request.errors().decode(status, body), request);
        throw RetryAfter.parse(exchange.getMessage().getHeader("Retry-After", String.class))
                .map(refusal::withRetryAfter).orElse(refusal);
    }
}
