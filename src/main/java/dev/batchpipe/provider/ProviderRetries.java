package dev.batchpipe.provider;

import java.io.IOException;
import java.time.Duration;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.LoggingLevel;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;

/**
 * Which failed provider calls the route configuration {@code provider-http} redelivers, and how far apart. A call is
 * redelivered while attempts remain, its {@link ProviderHttp.Retry} allows the failure, and the provider did not ask
 * for a longer wait than {@code maxDelay}: such a wait is not spent holding a thread, the call fails at once with
 * {@link ProviderException#retryAfter()} and the pipeline records when to try again.
 */
public final class ProviderRetries {

    private final Duration maxDelay;

    public ProviderRetries(Duration maxDelay) {
        this.maxDelay = maxDelay;
    }

    /**
     * Exponential back-off from {@code base} doubling up to {@code max}, with Camel's collision avoidance as jitter
     * (each delay moved by up to a quarter either way), for {@code attempts} calls in all. Exhausted calls are
     * rethrown to the adapter, which reports them: nothing is logged here.
     */
    public static RedeliveryPolicy redeliveryPolicy(int attempts, Duration base, Duration max) {
        RedeliveryPolicy policy = new RedeliveryPolicy();
        policy.setMaximumRedeliveries(attempts - 1);
        policy.setRedeliveryDelay(base.toMillis());
        policy.setMaximumRedeliveryDelay(max.toMillis());
        policy.setUseExponentialBackOff(true);
        policy.setBackOffMultiplier(2);
        policy.setUseCollisionAvoidance(true);
        policy.setCollisionAvoidanceFactor(0.25);
        policy.setRetryAttemptedLogLevel(LoggingLevel.DEBUG);
        policy.setLogExhausted(false);
        policy.setLogStackTrace(false);
        return policy;
    }

    /** The {@code retryWhile} of {@code provider-http}: asked after each failed attempt, with its failure caught. */
    public boolean redeliver(Exchange exchange) {
        Integer attempt = exchange.getMessage().getHeader(Exchange.REDELIVERY_COUNTER, Integer.class);
        Integer redeliveries = exchange.getMessage().getHeader(Exchange.REDELIVERY_MAX_COUNTER, Integer.class);
        if (attempt == null || redeliveries == null || attempt > redeliveries) {
            return false;
        }
        return redeliverable(exchange.getProperty(ProviderHttp.REQUEST, ProviderRequest.class).retry(),
                exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Exception.class));
    }

    boolean redeliverable(ProviderHttp.Retry retry, Throwable failure) {
        if (failure instanceof ProviderException e) {
            if (e.retryAfter().filter(wait -> wait.compareTo(maxDelay) > 0).isPresent()) {
                return false;
            }
            return switch (retry) {
                case TRANSIENT -> e.retryable();
                case SERVER_ERRORS -> e.retryable() && e.status() != 429;
                case RATE_LIMITS -> e.status() == 429;
                case NONE -> false;
            };
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return retry == ProviderHttp.Retry.TRANSIENT || retry == ProviderHttp.Retry.SERVER_ERRORS;
            }
        }
        return false;
    }
}
