package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.batchpipe.sandbox.SandboxExtension;
import java.io.InputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Answers are streams the caller reads after the call returned; closing one gives its connection back. */
class ProviderStreamsTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(AdapterFixtures.sandbox());
    @RegisterExtension
    static final ProviderCamel camel = AdapterFixtures.camel();

    private ProviderRequest listing() {
        return ProviderRequest.of("openai", "GET", sandbox.server().openAiBaseUrl() + "/batches?limit=1",
                OpenAiBatchProvider::decodeError).header("Authorization", "Bearer sk-test");
    }

    @Test
    void aStreamIsReadAfterTheCallReturnedAndClosingItReleasesTheConnection() {
        // more streams, each closed after one byte, than the route keeps connections per host (20): an unreleased
        // connection would leave the next call waiting for the pool
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            for (int i = 0; i < 30; i++) {
                try (InputStream body = camel.http().stream(listing())) {
                    assertThat(body.read()).as("the body is still there to read").isEqualTo('{');
                }
            }
        });
        assertThat(camel.http().json(listing()).path("object").asText()).isEqualTo("list");
    }
}
