package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;

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
}
