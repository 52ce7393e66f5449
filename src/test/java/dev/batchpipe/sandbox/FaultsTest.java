package dev.batchpipe.sandbox;

import static dev.batchpipe.sandbox.Support.jsonl;
import static dev.batchpipe.sandbox.Support.violations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Injected faults and quotas, set through the Java API and the admin endpoint, and the counters that see them. */
class FaultsTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(Support.fast());
    static final Client openAi = Client.openAi(sandbox::baseUrl);
    static final Client anthropic = Client.anthropic(sandbox::baseUrl);
    static final Client gemini = Client.gemini(sandbox::baseUrl);
    static final Client admin = new Client(sandbox::baseUrl, Provider.OPENAI, null);

    private static Client.Response chat() {
        return openAi.post("/v1/chat/completions", OpenAiContractTest.chatLine("x", "gpt-4o-mini", "Hi", null)
                .get("body"));
    }

    @Test
    void injected429sCarryRetryAfterAndHitOnlyTheirTarget() {
        sandbox.faults().openAi().rateLimitProbability(1).retryAfterSeconds(7).target("POST /v1/batches");
        Client.Response limited = openAi.post("/v1/batches", Map.of());
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("retry-after")).contains("7");
        assertThat(limited.json().at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(openAi.get("/v1/batches").status()).isEqualTo(200);
        assertThat(chat().status()).isEqualTo(200);

        sandbox.faults().anthropic().rateLimitProbability(1).retryAfterSeconds(3);
        Client.Response a = anthropic.get("/v1/messages/batches");
        assertThat(a.status()).isEqualTo(429);
        assertThat(a.header("retry-after")).contains("3");
        assertThat(a.json().at("/error/type").asText()).isEqualTo("rate_limit_error");

        sandbox.faults().gemini().rateLimitProbability(1).retryAfterSeconds(2);
        Client.Response g = gemini.get("/v1beta/batches");
        assertThat(g.status()).isEqualTo(429);
        assertThat(g.json().at("/error/status").asText()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(g.json().at("/error/details/0/retryDelay").asText()).isEqualTo("2s");

        SandboxStats stats = sandbox.stats();
        assertThat(stats.openai().rateLimited()).isEqualTo(1);
        assertThat(stats.anthropic().rateLimited()).isEqualTo(1);
        assertThat(stats.gemini().rateLimited()).isEqualTo(1);
    }

    @Test
    void probabilitiesApplyPerCall() {
        sandbox.faults().openAi().rateLimitProbability(0.5);
        int limited = 0;
        for (int i = 0; i < 200; i++) {
            limited += chat().status() == 429 ? 1 : 0;
        }
        assertThat(limited).isBetween(50, 150);
        assertThat(sandbox.stats().openai().rateLimited()).isEqualTo(limited);
    }

    @Test
    void injectedServerErrorsUseTheConfiguredStatus() {
        sandbox.faults().anthropic().serverErrorProbability(1).serverErrorStatus(529);
        Client.Response a = anthropic.get("/v1/messages/batches");
        assertThat(a.status()).isEqualTo(529);
        assertThat(a.json().at("/error/type").asText()).isEqualTo("overloaded_error");
        sandbox.faults().openAi().serverErrorProbability(1).serverErrorStatus(503);
        Client.Response o = openAi.get("/v1/batches");
        assertThat(o.status()).isEqualTo(503);
        assertThat(o.json().at("/error/type").asText()).isEqualTo("server_error");
        assertThat(sandbox.stats().anthropic().serverErrors()).isEqualTo(1);
        assertThat(sandbox.stats().openai().serverErrors()).isEqualTo(1);
    }

    @Test
    void droppedConnectionsGetNoResponse() {
        sandbox.faults().gemini().dropProbability(1);
        // a POST, because java.net.http retries a GET once on a closed connection
        assertThatThrownBy(() -> gemini.post("/v1beta/models/gemini-2.5-flash:generateContent",
                GeminiContractTest.request("Hi"))).isInstanceOf(UncheckedIOException.class);
        assertThat(openAi.get("/v1/batches").status()).isEqualTo(200);
        assertThat(sandbox.stats().gemini().dropped()).isEqualTo(1);
    }

    @Test
    void aLostResponseLeavesTheCallCarriedOut() {
        sandbox.faults().anthropic().lostResponseProbability(1).target("POST /v1/messages/batches");
        assertThatThrownBy(() -> anthropic.post("/v1/messages/batches", Map.of("requests", java.util.List.of(Map.of(
                "custom_id", "lost-1", "params", Map.of("model", "claude-x", "max_tokens", 10, "messages",
                        java.util.List.of(Map.of("role", "user", "content", "Hi")))))))).isInstanceOf(UncheckedIOException.class);
        assertThat(sandbox.stats().anthropic().batchesCreated()).isEqualTo(1);
        assertThat(sandbox.stats().anthropic().dropped()).isEqualTo(1);
        assertThat(anthropic.get("/v1/messages/batches").json().at("/data/0/request_counts/processing").asInt()).isEqualTo(1);
    }

    @Test
    void latencyDelaysCallsAndKeepsTheirBodies() {
        sandbox.faults().openAi().latencyMillis(300);
        long start = System.nanoTime();
        Client.Response r = chat();
        assertThat(r.status()).isEqualTo(200);
        assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(300);
    }

    @Test
    void realtimeRequestLimitsAnswer429WithRateLimitHeaders() {
        sandbox.faults().openAi().realtimeRequestsPerMinute(2);
        Client.Response first = chat();
        assertThat(first.header("x-ratelimit-limit-requests")).contains("2");
        assertThat(first.header("x-ratelimit-remaining-requests")).contains("1");
        assertThat(first.header("x-ratelimit-reset-requests")).isPresent();
        assertThat(chat().status()).isEqualTo(200);
        Client.Response third = chat();
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.header("retry-after")).isPresent();
        assertThat(third.header("x-ratelimit-remaining-requests")).contains("0");
        // a simulated minute is 60 ms at 1000x: the window frees up almost at once
        Support.await(FaultsTest::chat, resp -> resp.status() == 200);

        sandbox.faults().anthropic().realtimeTokensPerMinute(100_000);
        Client.Response a = anthropic.post("/v1/messages", AnthropicContractTest.params("Hi", false));
        assertThat(a.header("anthropic-ratelimit-tokens-limit")).contains("100000");
        assertThat(a.header("anthropic-ratelimit-input-tokens-remaining")).isPresent();
    }

    @Test
    void duplicateCustomIdsAreCountedAcrossBatches() {
        anthropic.post("/v1/messages/batches", AnthropicContractTest.batch("a", "b", "c"));
        anthropic.post("/v1/messages/batches", AnthropicContractTest.batch("b", "c", "d"));
        anthropic.post("/v1/messages/batches", AnthropicContractTest.batch("c"));
        SandboxStats.ProviderStats stats = sandbox.stats().anthropic();
        assertThat(stats.duplicateCustomIds()).isEqualTo(2);
        assertThat(stats.requestsReceived()).isEqualTo(7);
        assertThat(stats.batchesCreated()).isEqualTo(3);
    }

    @Test
    void invalidAnswerFractionProducesSchemaInvalidLines() {
        sandbox.faults().anthropic().invalidAnswerFraction(1.0);
        String id = anthropic.post("/v1/messages/batches", AnthropicContractTest.batch("i1", "i2")).json().get("id")
                .asText();
        JsonNode ended = Support.await(() -> anthropic.get("/v1/messages/batches/" + id).json(),
                b -> b.get("processing_status").asText().equals("ended"));
        for (JsonNode r : jsonl(anthropic.get(ended.get("results_url").asText()).body())) {
            assertThat(r.at("/result/type").asText()).isEqualTo("succeeded");
            assertThat(violations(AnswersTest.ENTITIES, r.at("/result/message/content/0/input"))).isNotEmpty();
        }
    }

    @Test
    void theAdminEndpointSetsFaultsAndReportsStats() {
        Client.Response set = admin.post("/sandbox/faults", Map.of("all", Map.of("latencyMillis", 5),
                "openai", Map.of("rateLimitProbability", 1, "target", "GET /v1/batches/.*"),
                "gemini", Map.of("enqueuedTokenLimits", Map.of("gemini-2.5-flash", 10))));
        assertThat(set.status()).as(set.body()).isEqualTo(200);
        assertThat(sandbox.faults().openAi().rateLimitProbability()).isEqualTo(1.0);
        assertThat(sandbox.faults().anthropic().latencyMillis()).isEqualTo(5);
        assertThat(sandbox.faults().gemini().enqueuedTokenLimitFor("gemini-2.5-flash")).isEqualTo(10);
        assertThat(set.json().at("/openai/target").asText()).isEqualTo("GET /v1/batches/.*");
        assertThat(openAi.get("/v1/batches/batch_x").status()).isEqualTo(429);
        assertThat(openAi.get("/v1/batches").status()).isEqualTo(200);

        assertThat(admin.post("/sandbox/faults", Map.of("openai", Map.of("dropProbability", 2))).status())
                .isEqualTo(400);
        assertThat(admin.post("/sandbox/faults", Map.of("openai", Map.of("noSuchKnob", 1))).status()).isEqualTo(400);
        assertThat(admin.post("/sandbox/faults", Map.of("mistral", Map.of())).status()).isEqualTo(400);

        JsonNode stats = admin.get("/sandbox/stats").json();
        assertThat(stats.at("/openai/rateLimited").asLong()).isEqualTo(1);
        assertThat(Client.JSON.valueToTree(sandbox.stats()).toString()).isEqualTo(stats.toString());

        assertThat(admin.delete("/sandbox/faults").json().at("/openai/rateLimitProbability").asDouble()).isZero();
        assertThat(sandbox.faults().anthropic().latencyMillis()).isZero();
        sandbox.faults().openAi().dropProbability(0.3);
        JsonNode afterReset = admin.post("/sandbox/reset", "").json();
        assertThat(afterReset.at("/openai/rateLimited").asLong()).isZero();
        assertThat(sandbox.faults().openAi().dropProbability()).isZero();
        assertThat(admin.get("/sandbox").json().get("openai").asText()).isEqualTo(sandbox.server().openAiBaseUrl());
        assertThat(admin.get("/sandbox/batches").json().has("anthropic")).isTrue();
    }
}
