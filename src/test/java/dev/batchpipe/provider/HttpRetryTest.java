package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.SandboxServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Provider calls against injected 429s, 5xx and dropped connections: retried, bounded, honouring Retry-After. */
class HttpRetryTest {

    private static SandboxServer sandbox;
    private final ProviderHttp http = new ProviderHttp("openai",
            new ProviderHttp.Retry(4, Duration.ofMillis(50), Duration.ofMillis(400), false),
            OpenAiBatchProvider::decodeError);

    @BeforeAll
    static void start() {
        sandbox = SandboxServer.start(SandboxConfig.defaults());
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    @AfterEach
    void noFaults() {
        sandbox.faults().reset();
        sandbox.reset();
    }

    @Test
    void aRateLimitIsRetriedAfterTheRetryAfterItAnnounces() {
        sandbox.faults().openAi().rateLimitProbability(1.0).retryAfterSeconds(1);
        long started = System.nanoTime();
        assertThatThrownBy(this::listBatches).isInstanceOf(ProviderException.class)
                .satisfies(e -> assertThat(((ProviderException) e).status()).isEqualTo(429));
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
        assertThat(sandbox.stats().openai().rateLimited()).isEqualTo(4);
        assertThat(elapsedMillis).as("three waits of the announced second, not the 50 ms back-off").isGreaterThanOrEqualTo(3000);
    }

    @Test
    void serverErrorsAndDroppedConnectionsAreRetriedABoundedNumberOfTimes() {
        sandbox.faults().openAi().serverErrorProbability(1.0).serverErrorStatus(503);
        assertThatThrownBy(this::listBatches).isInstanceOf(ProviderException.class)
                .satisfies(e -> assertThat(((ProviderException) e).retryable()).isTrue());
        assertThat(sandbox.stats().openai().serverErrors()).isEqualTo(4);

        sandbox.faults().reset();
        sandbox.faults().openAi().dropProbability(1.0);
        assertThatThrownBy(this::listBatches).isInstanceOf(ProviderException.class).hasMessageContaining("failed");
        // four attempts of ours; the JDK client may itself retry an idempotent GET once on a closed connection
        assertThat(sandbox.stats().openai().dropped()).isBetween(4L, 8L);
    }

    @Test
    void aFailureThatClearsIsInvisibleToTheCaller() {
        sandbox.faults().openAi().serverErrorProbability(0.5);
        for (int i = 0; i < 20; i++) {
            try {
                listBatches();
            } catch (ProviderException e) {
                // four 50% failures in a row: rare, and still a bounded, reported failure
                assertThat(e.retryable()).isTrue();
            }
        }
        assertThat(sandbox.stats().openai().serverErrors()).isPositive();
    }

    @Test
    void aRequestTheProviderRejectsIsNotRetried() {
        assertThatThrownBy(() -> http.json(() -> HttpRequest.newBuilder(URI.create(sandbox.openAiBaseUrl() + "/batches/nope"))
                .header("Authorization", "Bearer sk-test").GET().build()))
                .isInstanceOf(ProviderException.class)
                .satisfies(e -> {
                    assertThat(((ProviderException) e).status()).isEqualTo(404);
                    assertThat(((ProviderException) e).retryable()).isFalse();
                });
    }

    private void listBatches() {
        http.json(() -> HttpRequest.newBuilder(URI.create(sandbox.openAiBaseUrl() + "/batches?limit=1"))
                .header("Authorization", "Bearer sk-test").GET().build());
    }
}
