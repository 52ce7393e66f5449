package dev.batchpipe.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A few hundred calls in flight at once, across the three providers, all answered. */
class ConcurrencyTest {

    @Test
    void threeHundredConcurrentRequestsAreAllAnswered() throws Exception {
        try (SandboxServer sandbox = SandboxServer.start(Support.fast().build())) {
            // latency keeps every call open at the same time instead of finishing one by one
            sandbox.faults().openAi().latencyMillis(500);
            sandbox.faults().anthropic().latencyMillis(500);
            sandbox.faults().gemini().latencyMillis(500);
            Client openAi = Client.openAi(sandbox);
            Client anthropic = Client.anthropic(sandbox);
            Client gemini = Client.gemini(sandbox);
            String chat = OpenAiContractTest.chatLine("x", "gpt-4o-mini", AnswersTest.ARTICLE, AnswersTest.ENTITIES)
                    .get("body").toString();
            String message = AnthropicContractTest.params(AnswersTest.ARTICLE, true).toString();
            String generate = GeminiContractTest.request(AnswersTest.ARTICLE).toString();
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                calls.add(openAi.http().sendAsync(openAi.request("/v1/chat/completions")
                        .header("content-type", "application/json").POST(BodyPublishers.ofString(chat)).build(),
                        HttpResponse.BodyHandlers.ofString()));
                calls.add(anthropic.http().sendAsync(anthropic.request("/v1/messages")
                        .header("content-type", "application/json").POST(BodyPublishers.ofString(message)).build(),
                        HttpResponse.BodyHandlers.ofString()));
                calls.add(gemini.http().sendAsync(gemini.request("/v1beta/models/gemini-2.5-flash:generateContent")
                        .header("content-type", "application/json").POST(BodyPublishers.ofString(generate)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            for (CompletableFuture<HttpResponse<String>> call : calls) {
                assertThat(call.get().statusCode()).as(call.get().body()).isEqualTo(200);
            }
            SandboxStats stats = sandbox.stats();
            assertThat(stats.openai().realtimeCalls() + stats.anthropic().realtimeCalls()
                    + stats.gemini().realtimeCalls()).isEqualTo(300);
            // identical requests, identical answers, however they interleave
            assertThat(calls.stream().filter((c) -> c.join().request().uri().getPath().endsWith("completions"))
                    .map(c -> Support.parse(c.join().body()).at("/choices/0/message/content").asText()).distinct())
                    .hasSize(1);
        }
    }
}
