package dev.batchpipe.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What contract tests read: every provider call as received, credentials masked, bodies however they arrived. */
class ReceivedRequestsTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(Support.fast());
    static final Client admin = new Client(sandbox::baseUrl, Provider.OPENAI, null);

    @Test
    void callsAreRecordedWithTheirHeadersAndBodyAndNoCredential() {
        Client.anthropic(sandbox.server()).post("/v1/messages/batches", Map.of("requests", List.of(Map.of(
                "custom_id", "a-1", "params", Map.of("model", "claude-x", "max_tokens", 10,
                        "messages", List.of(Map.of("role", "user", "content", "Hello")))))));
        Client.gemini(sandbox.server()).get("/v1beta/batches?pageSize=5&key=AIza-secret");

        List<ReceivedRequest> received = sandbox.server().received();
        assertThat(received).hasSize(2);
        ReceivedRequest create = received.get(0);
        assertThat(create.provider()).isEqualTo("anthropic");
        assertThat(create.method()).isEqualTo("POST");
        assertThat(create.path()).isEqualTo("/v1/messages/batches");
        assertThat(create.status()).isEqualTo(200);
        assertThat(create.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(create.header("x-api-key")).isEqualTo("***");
        assertThat(create.body()).contains("\"custom_id\":\"a-1\"").doesNotContain("sk-ant-test");
        assertThat(create.bodyBytes()).isEqualTo(create.body().length());

        ReceivedRequest list = received.get(1);
        assertThat(list.query()).isEqualTo("pageSize=5&key=***");
        assertThat(list.header("x-goog-api-key")).isEqualTo("***");
        assertThat(list.body()).isEmpty();
    }

    @Test
    void streamedUploadsKeepTheirFirstBytesAndTheAdminApiFiltersByProvider() throws Exception {
        Path file = Files.createTempFile("received", ".jsonl");
        Files.writeString(file, "{\"custom_id\":\"r1\"}\n".repeat(5000));
        Client openAi = Client.openAi(sandbox.server());
        openAi.uploadOpenAi(file, "batch");
        Client.azure(sandbox::baseUrl).get("/batches?api-version=2024-10-21");
        Client.gemini(sandbox.server()).uploadGemini("{\"key\":\"k\"}\n".getBytes(), "bp-test", 1 << 20);

        ReceivedRequest upload = sandbox.server().received().get(0);
        assertThat(upload.header("authorization")).isEqualTo("Bearer ***");
        assertThat(upload.bodyBytes()).isEqualTo(Files.size(file));
        assertThat(upload.body()).hasSize(ReceivedRequests.BODY_BYTES).startsWith("{\"custom_id\":\"r1\"}");

        JsonNode openAiCalls = admin.get("/sandbox/requests?provider=openai").json();
        assertThat(openAiCalls).hasSize(2);
        assertThat(openAiCalls.get(1).path("path").asText()).isEqualTo("/openai/batches");
        assertThat(openAiCalls.get(1).path("headers").path("api-key").asText()).isEqualTo("***");
        JsonNode gemini = admin.get("/sandbox/requests?provider=gemini&limit=1").json();
        assertThat(gemini).hasSize(1);
        assertThat(gemini.get(0).path("body").asText()).isEqualTo("{\"key\":\"k\"}\n");
        assertThat(sandbox.server().received().get(2).body()).isEqualTo("{\"file\":{\"display_name\":\"bp-test\"}}");

        admin.delete("/sandbox/requests");
        assertThat(sandbox.server().received()).isEmpty();
        Files.delete(file);
    }
}
