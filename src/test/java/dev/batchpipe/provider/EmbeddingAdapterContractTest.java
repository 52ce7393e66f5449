package dev.batchpipe.provider;

import static dev.batchpipe.provider.AdapterFixtures.awaitTerminal;
import static dev.batchpipe.provider.AdapterFixtures.read;
import static dev.batchpipe.provider.AdapterFixtures.results;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.sandbox.ReceivedRequest;
import dev.batchpipe.sandbox.Sandbox;
import dev.batchpipe.sandbox.SandboxExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The calls the adapters make for embedding requests (OpenAI and Azure {@code /v1/embeddings}, Gemini
 * {@code asyncBatchEmbedContent} and {@code batchEmbedContents}), in batch and realtime, and the vectors they read
 * back: exactly the ones the sandbox answered.
 */
class EmbeddingAdapterContractTest {

    private static final int DIMENSIONS = 8;

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(AdapterFixtures.sandbox());
    @RegisterExtension
    static final ProviderCamel camel = AdapterFixtures.camel();

    @TempDir
    Path dir;

    static BatchRequest embedding(int i, String model, Integer dimensions) {
        return BatchRequest.embedding("r" + i + "s1", model, text(i), dimensions);
    }

    static String text(int i) {
        return "Bank " + i + " raises rates\n\nGaranti BBVA said so on Monday.";
    }

    private Path embeddingFile(BatchProvider provider, String model, int n) throws IOException {
        Path file = dir.resolve(provider.name() + "-embeddings-" + n + ".jsonl");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 1; i <= n; i++) {
                out.write(provider.encode(embedding(i, model, DIMENSIONS)));
                out.write('\n');
            }
        }
        return file;
    }

    /** Each line answered with the vector the sandbox gives its text, as {"embedding": [...]}. */
    private static void assertVectors(List<ResultLine> lines, String model, int n) {
        assertThat(lines).hasSize(n);
        for (ResultLine line : lines) {
            assertThat(line.outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
            int i = Integer.parseInt(line.customId().substring(1, line.customId().indexOf('s')));
            assertThat(floats(read(line.answer()).path("embedding")))
                    .containsExactly(Sandbox.embedding(model, text(i), DIMENSIONS));
            assertThat(line.usage().outputTokens()).isZero();
        }
    }

    private static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) array.get(i).asDouble();
        }
        return v;
    }

    /** The batch create call the sandbox received last. */
    /** The last batch create the sandbox received, once its record holds the body (recorded as the body is read). */
    private static ReceivedRequest createCall() {
        return await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<ReceivedRequest> creates = sandbox.server().received().stream()
                    .filter(r -> r.method().equals("POST") && r.path().endsWith("/batches")).toList();
            return creates.isEmpty() ? null : creates.get(creates.size() - 1);
        }, r -> r != null && r.body() != null && !r.body().isEmpty());
    }

    private static OpenAiBatchProvider openAi() {
        return new OpenAiBatchProvider(new OpenAiBatchProvider.Settings("openai", () -> sandbox.server().openAiBaseUrl(),
                () -> "sk-contract", OpenAiBatchProvider.Auth.BEARER, null, false, null, null, "24h",
                AdapterFixtures.LIMITS, true), camel.http());
    }

    private static GeminiBatchProvider gemini(long inlineMaxBytes) {
        return new GeminiBatchProvider(new GeminiBatchProvider.Settings(() -> sandbox.server().geminiBaseUrl(),
                () -> "AIza-contract", inlineMaxBytes, AdapterFixtures.LIMITS), camel.http());
    }

    @Test
    void openAiSendsEachTextToV1EmbeddingsInABatchFile() throws Exception {
        OpenAiBatchProvider provider = openAi();
        Path file = embeddingFile(provider, "text-embedding-3-small", 3);
        JsonNode line = read(Files.readAllLines(file).get(0));
        assertThat(line).isEqualTo(read("""
                {"custom_id":"r1s1","method":"POST","url":"/v1/embeddings","body":{"model":"text-embedding-3-small",
                 "input":"Bank 1 raises rates\\n\\nGaranti BBVA said so on Monday.","encoding_format":"float",
                 "dimensions":8}}"""));

        String fileId = provider.upload(file, "batchpipe-bp-e-1");
        ProviderBatch created = provider.create("text-embedding-3-small", BatchRequest.EMBEDDINGS, fileId, file, 3,
                "bp-e-1");
        assertThat(read(createCall().body()).path("endpoint").asText()).isEqualTo("/v1/embeddings");
        ProviderBatch done = awaitTerminal(provider, created.id());
        assertThat(done.state()).isEqualTo(ProviderBatch.State.COMPLETED);
        assertVectors(results(provider, done), "text-embedding-3-small", 3);
    }

    @Test
    void openAiRealtimePostsTheSameBodyToEmbeddings() {
        OpenAiBatchProvider provider = openAi();
        ProviderRequest call = provider.realtime(embedding(4, "text-embedding-3-small", DIMENSIONS));
        assertThat(call.url()).isEqualTo(sandbox.server().openAiBaseUrl() + "/embeddings");

        ProviderHttp.Reply reply = camel.http().call(call);
        ResultLine line = provider.answer("r4s1", reply.body());
        assertVectors(List.of(line), "text-embedding-3-small", 1);
        assertThat(line.usage().inputTokens()).isPositive();
    }

    @Test
    void azureNamesTheEndpointWithoutItsVersionAndTheDeploymentAsModel() throws Exception {
        OpenAiBatchProvider azure = new OpenAiBatchProvider(new OpenAiBatchProvider.Settings("azure",
                () -> sandbox.server().baseUrl() + "/openai", () -> "azure-contract-key",
                OpenAiBatchProvider.Auth.API_KEY_HEADER, "2024-10-21", true, null, null, "24h", AdapterFixtures.LIMITS,
                true), camel.http());
        Path file = embeddingFile(azure, "my-embedding-deployment", 2);
        assertThat(read(Files.readAllLines(file).get(0)).path("url").asText()).isEqualTo("/embeddings");

        ProviderBatch created = azure.create("my-embedding-deployment", BatchRequest.EMBEDDINGS,
                azure.upload(file, "batchpipe-bp-e-2"), file, 2, "bp-e-2");
        ReceivedRequest create = createCall();
        assertThat(create.header("api-key")).isEqualTo("***");
        assertThat(read(create.body()).path("endpoint").asText()).isEqualTo("/embeddings");
        assertVectors(results(azure, awaitTerminal(azure, created.id())), "my-embedding-deployment", 2);
    }

    @Test
    void geminiSendsEmbedContentRequestsToAsyncBatchEmbedContentInline() throws Exception {
        GeminiBatchProvider provider = gemini(20_000_000);
        Path file = embeddingFile(provider, "gemini-embedding-001", 3);
        assertThat(provider.upload(file, "batchpipe-bp-e-3")).isNull();

        ProviderBatch created = provider.create("gemini-embedding-001", BatchRequest.EMBEDDINGS, null, file, 3, "bp-e-3");
        ReceivedRequest call = sandbox.server().received().get(0);
        assertThat(call.path()).isEqualTo("/v1beta/models/gemini-embedding-001:asyncBatchEmbedContent");
        JsonNode first = read(call.body()).at("/batch/input_config/requests/requests/0");
        assertThat(first).isEqualTo(read("""
                {"request":{"model":"models/gemini-embedding-001",
                            "content":{"parts":[{"text":"Bank 1 raises rates\\n\\nGaranti BBVA said so on Monday."}]},
                            "outputDimensionality":8},
                 "metadata":{"key":"r1s1"}}"""));
        ProviderBatch done = awaitTerminal(provider, created.id());
        assertThat(done.state()).isEqualTo(ProviderBatch.State.COMPLETED);
        assertThat(done.outputFileId()).isNull();
        assertVectors(results(provider, done), "gemini-embedding-001", 3);
    }

    @Test
    void geminiUploadsALargerEmbeddingBatchAndReadsItsResponsesFile() throws Exception {
        GeminiBatchProvider provider = gemini(500);
        Path file = embeddingFile(provider, "gemini-embedding-001", 4);
        String fileName = provider.upload(file, "batchpipe-bp-e-4");
        assertThat(fileName).startsWith("files/");

        ProviderBatch created = provider.create("gemini-embedding-001", BatchRequest.EMBEDDINGS, fileName, file, 4,
                "bp-e-4");
        ProviderBatch done = awaitTerminal(provider, created.id());
        assertThat(done.outputFileId()).isNotNull();
        assertVectors(results(provider, done), "gemini-embedding-001", 4);
    }

    @Test
    void geminiRealtimeIsABatchEmbedContentsOfOneRequestNamingItsModel() {
        GeminiBatchProvider provider = gemini(20_000_000);
        ProviderRequest call = provider.realtime(embedding(5, "gemini-embedding-001", DIMENSIONS));
        assertThat(call.url()).isEqualTo(sandbox.server().geminiBaseUrl()
                + "/v1beta/models/gemini-embedding-001:batchEmbedContents");

        ResultLine line = provider.answer("r5s1", camel.http().call(call).body());
        assertVectors(List.of(line), "gemini-embedding-001", 1);
        JsonNode sent = read(sandbox.server().received().get(0).body());
        assertThat(sent.at("/requests/0/model").asText()).isEqualTo("models/gemini-embedding-001");
        assertThat(sent.path("requests")).hasSize(1);
    }

    @Test
    void anthropicRefusesToEncodeAnEmbedding() {
        AnthropicBatchProvider anthropic = new AnthropicBatchProvider(new AnthropicBatchProvider.Settings(
                () -> sandbox.server().anthropicBaseUrl(), () -> "sk-ant", "bp-", AdapterFixtures.LIMITS), camel.http());
        assertThat(anthropic.embeds()).isFalse();
        assertThatThrownBy(() -> anthropic.encode(embedding(1, "claude-haiku-4-5", null)))
                .hasMessage("anthropic has no embeddings API: send embedding requests to openai, azure or gemini");
    }
}
