package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.RepeatedTest;

class ProviderHttpTest {

    @RepeatedTest(20)
    void backoffIsJitteredWithinAnExponentialCap() {
        ProviderHttp.Retry policy = new ProviderHttp.Retry(10, Duration.ofMillis(100), Duration.ofSeconds(2), false);
        assertThat(ProviderHttp.backoff(policy, 1).toMillis()).isBetween(0L, 100L);
        assertThat(ProviderHttp.backoff(policy, 3).toMillis()).isBetween(0L, 400L);
        assertThat(ProviderHttp.backoff(policy, 9).toMillis()).isBetween(0L, 2000L);
    }

    @org.junit.jupiter.api.Test
    void credentialsEchoedInAnErrorNeverReachItsMessage() {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://localhost/v1/batches"))
                .header("Authorization", "Bearer sk-secret-1234567890").header("x-api-key", "ak-other-0987654321").build();
        ProviderException e = ProviderHttp.redacted(new ProviderException(401, "invalid_api_key",
                "HTTP 401: Incorrect API key provided: sk-secret-1234567890 (and ak-other-0987654321)", false), req);
        assertThat(e.getMessage()).isEqualTo("HTTP 401: Incorrect API key provided: *** (and ***)");
        assertThat(e.status()).isEqualTo(401);
        assertThat(e.code()).isEqualTo("invalid_api_key");
    }
}
