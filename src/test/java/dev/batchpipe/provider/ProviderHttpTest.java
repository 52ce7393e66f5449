package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class ProviderHttpTest {

    private static final RedeliveryPolicy POLICY =
            ProviderRetries.redeliveryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(2));

    /** The delays Camel waits before redeliveries 1..n, each computed from the one before. */
    private static long[] delays(int n) {
        long[] delays = new long[n + 1];
        for (int i = 1; i <= n; i++) {
            delays[i] = POLICY.calculateRedeliveryDelay(delays[i - 1], i);
        }
        return delays;
    }

    @RepeatedTest(20)
    void backoffIsJitteredWithinAnExponentialCap() {
        long[] delays = delays(9);
        // base·2^(n-1), each step moved by up to a quarter either way, never above the cap
        assertThat(delays[1]).isBetween(75L, 125L);
        assertThat(delays[3]).isBetween((long) (400 * Math.pow(0.75, 3)), (long) (400 * Math.pow(1.25, 3)));
        assertThat(delays[9]).isBetween((long) (100 * Math.pow(2, 8) * Math.pow(0.75, 9)), 2000L);
    }

    @Test
    void twoCallsFailingTogetherDoNotRetryTogether() {
        Set<Long> first = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            first.add(delays(1)[1]);
        }
        assertThat(first).as("jittered first delays").hasSizeGreaterThan(10);
    }

    @Test
    void onlyWhatTheCallAllowsIsRedeliveredAndNeverALongWait() {
        ProviderRetries retries = new ProviderRetries(Duration.ofSeconds(60));
        ProviderException unavailable = ProviderException.ofResponse(503, null, "busy");
        ProviderException rateLimited = ProviderException.ofResponse(429, "rate_limit_error", "slow down");
        ProviderException invalid = ProviderException.ofResponse(400, "invalid_request_error", "no");
        IOException dropped = new SocketException("Connection reset");

        assertThat(retries.redeliverable(ProviderHttp.Retry.TRANSIENT, unavailable)).isTrue();
        assertThat(retries.redeliverable(ProviderHttp.Retry.TRANSIENT, dropped)).isTrue();
        assertThat(retries.redeliverable(ProviderHttp.Retry.TRANSIENT, invalid)).isFalse();
        assertThat(retries.redeliverable(ProviderHttp.Retry.RATE_LIMITS, rateLimited)).isTrue();
        assertThat(retries.redeliverable(ProviderHttp.Retry.RATE_LIMITS, unavailable)).isFalse();
        assertThat(retries.redeliverable(ProviderHttp.Retry.RATE_LIMITS, dropped)).isFalse();
        assertThat(retries.redeliverable(ProviderHttp.Retry.NONE, rateLimited)).isFalse();
        assertThat(retries.redeliverable(ProviderHttp.Retry.SERVER_ERRORS, unavailable)).isTrue();
        assertThat(retries.redeliverable(ProviderHttp.Retry.SERVER_ERRORS, dropped)).isTrue();
        assertThat(retries.redeliverable(ProviderHttp.Retry.SERVER_ERRORS, rateLimited)).isFalse();
        assertThat(retries.redeliverable(ProviderHttp.Retry.TRANSIENT, rateLimited.withRetryAfter(Duration.ofSeconds(60))))
                .isTrue();
        assertThat(retries.redeliverable(ProviderHttp.Retry.TRANSIENT, rateLimited.withRetryAfter(Duration.ofSeconds(61))))
                .isFalse();
    }

    @Test
    void retryAfterIsReadAsSecondsOrAnHttpDate() {
        assertThat(RetryAfter.parse("7")).contains(Duration.ofSeconds(7));
        assertThat(RetryAfter.parse("0.5")).contains(Duration.ofMillis(500));
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT")).contains(Duration.ZERO);
        assertThat(RetryAfter.parse(null)).isEmpty();
        assertThat(RetryAfter.millis("2")).isEqualTo(2000L);
        assertThat(RetryAfter.millis(null)).isNull();
    }

    @Test
    void credentialsEchoedInAnErrorNeverReachItsMessage() {
        ProviderRequest req = ProviderRequest.of("openai", "GET", "http://localhost/v1/batches",
                        OpenAiBatchProvider::decodeError)
                .header("Authorization", "Bearer sk-secret-1234567890").header("x-api-key", "ak-other-0987654321");
        ProviderException e = ProviderHttp.redacted(new ProviderException(401, "invalid_api_key",
                "HTTP 401: Incorrect API key provided: sk-secret-1234567890 (and ak-other-0987654321)", false), req);
        assertThat(e.getMessage()).isEqualTo("HTTP 401: Incorrect API key provided: *** (and ***)");
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.code()).isEqualTo("invalid_api_key");
    }
}
