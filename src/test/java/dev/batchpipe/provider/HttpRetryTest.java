package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.SandboxServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Provider calls against injected 429s, 5xx and dropped connections: retried, bounded, honouring Retry-After. */
class HttpRetryTest {

    /** Four calls in all, 50 ms apart and doubling; a Retry-After of up to 2 s is waited for. */
    @RegisterExtension
    static final ProviderCamel camel = new ProviderCamel(4, Duration.ofMillis(50), Duration.ofSeconds(2));

    private static SandboxServer sandbox;

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
    void aRetryAfterLongerThanTheMaximumDelayFailsAtOnceCarryingTheWait() {
        sandbox.faults().openAi().rateLimitProbability(1.0).retryAfterSeconds(30);
        long started = System.nanoTime();
        assertThatThrownBy(this::listBatches).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.retryAfter()).contains(Duration.ofSeconds(30));
        });
        assertThat((System.nanoTime() - started) / 1_000_000).as("no thread waits for the provider").isLessThan(1000);
        assertThat(sandbox.stats().openai().rateLimited()).isEqualTo(1);
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
        // four attempts of ours (HttpClient's own retries are off: camel.component.http.automatic-retries-disabled)
        assertThat(sandbox.stats().openai().dropped()).isBetween(4L, 8L);
    }

    @Test
    void aFailureThatClearsIsInvisibleToTheCaller() {
        // refused until the test clears the fault, which it does during the announced second of waiting
        sandbox.faults().openAi().rateLimitProbability(1.0).retryAfterSeconds(1);
        CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(this::listBatches);
        await().atMost(Duration.ofSeconds(5)).until(() -> sandbox.stats().openai().rateLimited() > 0);
        sandbox.faults().reset();

        assertThat(call.join().path("object").asText()).isEqualTo("list");
        assertThat(sandbox.stats().openai().rateLimited()).isEqualTo(1);
    }

    @Test
    void aRequestTheProviderRejectsIsNotRetried() {
        assertThatThrownBy(() -> camel.http().json(openAi("/batches/nope")))
                .isInstanceOf(ProviderException.class)
                .satisfies(e -> {
                    assertThat(((ProviderException) e).status()).isEqualTo(404);
                    assertThat(((ProviderException) e).retryable()).isFalse();
                });
        assertThat(sandbox.received()).hasSize(1);
    }

    private JsonNode listBatches() {
        return camel.http().json(openAi("/batches?limit=1"));
    }

    private static ProviderRequest openAi(String pathAndQuery) {
        return ProviderRequest.of("openai", "GET", sandbox.openAiBaseUrl() + pathAndQuery,
                OpenAiBatchProvider::decodeError).header("Authorization", "Bearer sk-test");
    }
}
