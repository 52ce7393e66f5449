package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchpipe.Config;
import dev.batchpipe.StartupException;
import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.task.TaskFileException;
import dev.batchpipe.task.TaskLoader;
import dev.batchpipe.task.TaskRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** Which providers the shipped application.properties configures, with which limits, prices and errors. */
class ProvidersTest {

    /** The shipped settings, with every key unset (whatever this machine's environment holds) unless given. */
    static Config config(Map<String, String> settings) {
        DefaultCamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setLocation("classpath:application.properties");
        Properties overrides = new Properties();
        for (String key : new String[] {"openai", "anthropic", "gemini", "azure", "openai-compatible"}) {
            overrides.setProperty("batchpipe." + key + ".api-key", "");
        }
        overrides.setProperty("batchpipe.openai-compatible.base-url", "");
        overrides.setProperty("batchpipe.azure.endpoint", "");
        overrides.putAll(settings);
        context.getPropertiesComponent().setOverrideProperties(overrides);
        return new Config(context);
    }

    /** What the providers would send through; these tests build providers and send nothing. */
    static final ProviderHttp NO_CALLS = new ProviderHttp(new DefaultCamelContext().createProducerTemplate());

    private static Providers providers(Map<String, String> settings) {
        return Providers.fromConfig(config(settings), () -> "http://127.0.0.1:1", "bp-0123456789ab",
                SandboxPolicy.of("auto", "", ""), NO_CALLS);
    }

    @Test
    void withoutKeysEveryProviderButTheGenericOneIsAnsweredByTheSandboxWithItsOwnLimits() {
        Providers p = providers(Map.of());
        assertThat(p.names()).containsExactly("openai", "anthropic", "gemini", "azure");
        assertThat(p.names()).allSatisfy(name -> assertThat(p.sandboxed(name)).isTrue());
        assertThat(p.defaultModel("anthropic")).isEqualTo("claude-haiku-4-5");
        assertThat(p.defaultModel("gemini")).isEqualTo("gemini-2.5-flash");
        assertThat(p.get("openai").limits().maxRequests()).isEqualTo(50_000);
        assertThat(p.get("anthropic").limits().maxRequests()).isEqualTo(100_000);
        assertThat(p.get("anthropic").limits().maxBytes()).isEqualTo(256_000_000L);
        assertThat(p.get("gemini").limits().maxBytes()).isEqualTo(2_000_000_000L);
        assertThat(p.get("azure").limits().maxRequests()).isEqualTo(100_000);
        assertThat(p.get("azure").limits().maxBytes()).isEqualTo(200_000_000L);
    }

    @Test
    void aKeyConnectsTheRealProviderAndLimitsAreSetPerProviderAndModel() {
        Map<String, String> settings = new HashMap<>();
        settings.put("batchpipe.anthropic.api-key", "sk-ant-x");
        settings.put("batchpipe.anthropic.max-queued-requests", "200000");
        settings.put("batchpipe.gemini.enqueued-tokens.gemini-2.5-flash", "3_000_000");
        settings.put("batchpipe.azure.api-key", "azure-x");
        settings.put("batchpipe.azure.endpoint", "https://example.openai.azure.com/");
        Providers p = providers(settings);
        assertThat(p.sandboxed("anthropic")).isFalse();
        assertThat(p.sandboxed("azure")).isFalse();
        assertThat(p.sandboxed("gemini")).isTrue();
        assertThat(p.get("anthropic").limits().maxQueuedRequests()).isEqualTo(200_000);
        assertThat(p.get("gemini").limits().enqueuedTokens("gemini-2.5-flash")).isEqualTo(3_000_000);
        assertThat(p.get("gemini").limits().enqueuedTokens("gemini-2.5-pro")).isZero();
    }

    @Test
    void anAzureKeyNeedsItsEndpoint() {
        assertThatThrownBy(() -> providers(Map.of("batchpipe.azure.api-key", "azure-x")))
                .isInstanceOf(StartupException.class).hasMessageContaining("AZURE_OPENAI_ENDPOINT");
    }

    @Test
    void theGenericProviderExistsOnlyWithItsBaseUrlAndThenNeedsAKeyAndAModel() {
        String base = "batchpipe.openai-compatible.base-url";
        assertThatThrownBy(() -> providers(Map.of(base, "https://api.groq.com/openai/v1")))
                .isInstanceOf(StartupException.class).hasMessageContaining("BATCHPIPE_OPENAI_COMPATIBLE_API_KEY");
        assertThatThrownBy(() -> providers(Map.of(base, "https://api.groq.com/openai/v1",
                "batchpipe.openai-compatible.api-key", "gsk-x")))
                .isInstanceOf(StartupException.class).hasMessageContaining("BATCHPIPE_OPENAI_COMPATIBLE_MODEL");
        Providers p = providers(Map.of(base, "https://api.groq.com/openai/v1", "batchpipe.openai-compatible.api-key",
                "gsk-x", "batchpipe.openai-compatible.default-model", "llama-3.1-8b-instant",
                "batchpipe.openai-compatible.enqueued-tokens.llama-3.1-8b-instant", "500000"));
        assertThat(p.names()).contains("openai-compatible");
        assertThat(p.sandboxed("openai-compatible")).isFalse();
        assertThat(p.defaultModel("openai-compatible")).isEqualTo("llama-3.1-8b-instant");
        assertThat(p.get("openai-compatible").limits().enqueuedTokens("llama-3.1-8b-instant")).isEqualTo(500_000);
    }

    @Test
    void everyProviderHasListPricesForItsCurrentModels() {
        PriceTable prices = PriceTable.fromConfig(config(Map.of()));
        ResultLine.Usage million = new ResultLine.Usage(1_000_000, 1_000_000, 0);
        // batch cost = half the list price of a million input and a million output tokens
        assertThat(prices.batchCost("anthropic", "claude-haiku-4-5-20251001", million)).isEqualByComparingTo("3.00");
        assertThat(prices.batchCost("anthropic", "claude-opus-4-5-20251101", million)).isEqualByComparingTo("15.00");
        assertThat(prices.batchCost("anthropic", "claude-opus-4-20250514", million)).isEqualByComparingTo("45.00");
        assertThat(prices.batchCost("gemini", "gemini-2.5-flash", million)).isEqualByComparingTo("1.40");
        assertThat(prices.batchCost("gemini", "gemini-2.5-flash-lite", million)).isEqualByComparingTo("0.25");
        assertThat(prices.batchCost("azure", "gpt-4o-mini", million)).isEqualByComparingTo("0.375");
        // cached input at its own price: Anthropic cache reads, Gemini cached content
        assertThat(prices.batchCost("anthropic", "claude-sonnet-4-5", new ResultLine.Usage(1_000_000, 0, 1_000_000)))
                .isEqualByComparingTo(new BigDecimal("0.15"));
    }

    /** The article-embeddings task moved to another provider, as a task file on disk would. */
    private static TaskRegistry embeddingsTaskFor(String provider) throws IOException {
        String yaml = Files.readString(Path.of("tasks", "article-embeddings.yaml"))
                .replace("provider: openai", "provider: " + provider);
        return new TaskRegistry(List.of(TaskLoader.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)),
                "tasks/article-embeddings.yaml")));
    }

    @Test
    void anEmbeddingTaskForAProviderWithoutAnEmbeddingsApiIsRefusedAtLoadNamingTheProvider() throws IOException {
        Providers p = providers(Map.of());
        assertThatThrownBy(() -> embeddingsTaskFor("anthropic").requireServed(p::refusal))
                .isInstanceOf(TaskFileException.class)
                .hasMessage("tasks/article-embeddings.yaml: request embed: anthropic has no embeddings API: send "
                        + "embedding requests to openai, azure or gemini");
        for (String served : List.of("openai", "azure", "gemini")) {
            assertThat(embeddingsTaskFor(served).requireServed(p::refusal).get("article-embeddings")).isNotNull();
        }
        assertThat(p.refusal("anthropic", "/v1/chat/completions")).as("anthropic answers everything else").isEmpty();
        // an OpenAI-compatible vendor serves embeddings only when it is said to
        Map<String, String> vendor = Map.of("batchpipe.openai-compatible.base-url", "http://127.0.0.1:1/v1",
                "batchpipe.openai-compatible.api-key", "k", "batchpipe.openai-compatible.default-model", "m");
        assertThat(providers(vendor).refusal("openai-compatible", BatchRequest.EMBEDDINGS)).contains(
                "openai-compatible has no embeddings API: send embedding requests to openai, azure or gemini");
        Map<String, String> embeddingVendor = new HashMap<>(vendor);
        embeddingVendor.put("batchpipe.openai-compatible.embeddings", "true");
        assertThat(providers(embeddingVendor).refusal("openai-compatible", BatchRequest.EMBEDDINGS)).isEmpty();
    }

    @Test
    void embeddingsCostTheirInputAtTheEmbeddingModelsPriceHalvedInABatch() {
        PriceTable prices = PriceTable.fromConfig(config(Map.of()));
        ResultLine.Usage million = new ResultLine.Usage(1_000_000, 0, 0);
        assertThat(prices.realtimeCost("openai", "text-embedding-3-small", million)).isEqualByComparingTo("0.02");
        assertThat(prices.batchCost("openai", "text-embedding-3-small", million)).isEqualByComparingTo("0.01");
        assertThat(prices.batchCost("gemini", "gemini-embedding-001", million)).isEqualByComparingTo("0.075");
        assertThat(prices.batchCost("azure", "text-embedding-3-small", million)).isEqualByComparingTo("0.01");
    }
}
