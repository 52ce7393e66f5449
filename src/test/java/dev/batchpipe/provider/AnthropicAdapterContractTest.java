package dev.batchpipe.provider;

import static dev.batchpipe.provider.AdapterFixtures.SCHEMA;
import static dev.batchpipe.provider.AdapterFixtures.assertAnswered;
import static dev.batchpipe.provider.AdapterFixtures.awaitTerminal;
import static dev.batchpipe.provider.AdapterFixtures.batchFile;
import static dev.batchpipe.provider.AdapterFixtures.read;
import static dev.batchpipe.provider.AdapterFixtures.received;
import static dev.batchpipe.provider.AdapterFixtures.results;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.sandbox.ReceivedRequest;
import dev.batchpipe.sandbox.SandboxExtension;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The exact calls the Anthropic adapter makes, checked on what the sandbox received, and what it reads back. */
class AnthropicAdapterContractTest {

    private static final String PREFIX = "bp-0123456789ab-";
    private static final String MODEL = "claude-haiku-4-5";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(AdapterFixtures.sandbox());
    @RegisterExtension
    static final ProviderCamel camel = AdapterFixtures.camel();

    private final AnthropicBatchProvider provider = new AnthropicBatchProvider(new AnthropicBatchProvider.Settings(
            () -> sandbox.server().anthropicBaseUrl(), () -> "sk-ant-contract", PREFIX, AdapterFixtures.LIMITS),
            camel.http());

    @TempDir
    Path dir;

    @Test
    void requestsTravelInlineInCreateWithTheSchemaAsAForcedTool() throws Exception {
        Path file = batchFile(dir, provider, MODEL, 3);
        assertThat(provider.upload(file, "batchpipe-bp-x-1")).isNull();
        assertThat(sandbox.server().received()).isEmpty();

        ProviderBatch created = provider.create(MODEL, "/v1/chat/completions", null, file, 3, "bp-x-1");

        ReceivedRequest call = sandbox.server().received().get(0);
        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.path()).isEqualTo("/v1/messages/batches");
        assertThat(call.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(call.header("x-api-key")).isEqualTo("***");
        assertThat(call.header("authorization")).isNull();
        assertThat(call.header("content-type")).isEqualTo("application/json");
        JsonNode body = read(call.body());
        assertThat(body.fieldNames()).toIterable().containsExactly("requests");
        assertThat(body.path("requests")).hasSize(3);
        JsonNode first = body.path("requests").get(0);
        assertThat(first.path("custom_id").asText()).isEqualTo(PREFIX + "r1s1").matches("^[a-zA-Z0-9_-]{1,64}$");
        JsonNode params = first.path("params");
        assertThat(params.path("model").asText()).isEqualTo(MODEL);
        assertThat(params.path("max_tokens").asInt()).isEqualTo(300);
        assertThat(params.path("temperature").asDouble()).isZero();
        // the prompt shared by every request of the task is marked for caching, for an hour inside a batch
        assertThat(params.path("system")).isEqualTo(read("[{\"type\":\"text\",\"text\":\"You classify news.\","
                + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}]"));
        assertThat(params.path("messages")).hasSize(1);
        assertThat(params.at("/messages/0/role").asText()).isEqualTo("user");
        assertThat(params.at("/messages/0/content").asText()).startsWith("Title: Bank 1 raises rates");
        assertThat(params.path("tools")).hasSize(1);
        assertThat(params.at("/tools/0/name").asText()).isEqualTo("news_classify");
        assertThat(params.at("/tools/0/input_schema")).isEqualTo(SCHEMA);
        assertThat(params.path("tool_choice")).isEqualTo(read("{\"type\":\"tool\",\"name\":\"news_classify\"}"));

        assertThat(created.id()).startsWith("msgbatch_");
        assertThat(created.state()).isEqualTo(ProviderBatch.State.RUNNING);
        assertThat(created.expiresAt()).isAfter(created.createdAt());
        ProviderBatch ended = awaitTerminal(provider, created.id());
        assertThat(ended.state()).isEqualTo(ProviderBatch.State.COMPLETED);
        assertThat(ended.rawStatus()).isEqualTo("ended");
        assertThat(ended.total()).isEqualTo(3);
        assertThat(ended.completed()).isEqualTo(3);

        sandbox.server().reset();
        assertAnswered(results(provider, ended), 3);
        List<ReceivedRequest> download = sandbox.server().received();
        assertThat(download).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.path()).isEqualTo("/v1/messages/batches/" + created.id() + "/results");
            assertThat(r.header("anthropic-version")).isEqualTo("2023-06-01");
        });
    }

    @Test
    void aRealtimeCallMarksTheSharedPromptForTheDefaultCacheAndReadsItsCachedTokens() throws Exception {
        ProviderRequest call = provider.realtime(AdapterFixtures.request(7, MODEL));
        assertThat(call.url()).isEqualTo(sandbox.server().anthropicBaseUrl() + "/v1/messages");
        ProviderHttp.Reply reply = camel.http().call(call);
        JsonNode params = read(sandbox.server().received().get(0).body());
        assertThat(params.path("system")).isEqualTo(read("[{\"type\":\"text\",\"text\":\"You classify news.\","
                + "\"cache_control\":{\"type\":\"ephemeral\"}}]"));
        assertThat(params.at("/tools/0/input_schema")).isEqualTo(SCHEMA);
        assertThat(provider.answer("r7s1", reply.body()).outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);

        // a prefix read from the cache counts as input, and as cached input (priced at the cached rate)
        ResultLine cached = provider.answer("r7s1", read("""
                {"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","stop_reason":"tool_use",
                 "content":[{"type":"tool_use","id":"t","name":"news_classify","input":{}}],
                 "usage":{"input_tokens":40,"output_tokens":12,"cache_creation_input_tokens":0,
                          "cache_read_input_tokens":1500}}"""));
        assertThat(cached.usage()).isEqualTo(new ResultLine.Usage(1540, 12, 1500));
    }

    @Test
    void aBatchIsAdoptedOnlyWhenExactlyOneUnrecordedBatchOfItsSizeWasCreatedSince() {
        Instant since = Instant.now().minusSeconds(60);
        String twoA = provider.create(MODEL, "", null, batchFile(dir, provider, MODEL, 2), 2, "t").id();
        String twoB = provider.create(MODEL, "", null, batchFile(dir, provider, MODEL, 2), 2, "t").id();
        String three = provider.create(MODEL, "", null, batchFile(dir, provider, MODEL, 3), 3, "t").id();
        sandbox.server().reset();

        assertThat(provider.findCreated(new BatchProvider.Lookup("bp-x-9", since, 3, id -> false)))
                .hasValueSatisfying(b -> assertThat(b.id()).isEqualTo(three));
        assertThat(provider.findCreated(new BatchProvider.Lookup("bp-x-9", since, 2, id -> false))).isEmpty();
        assertThat(provider.findCreated(new BatchProvider.Lookup("bp-x-9", since, 2, Set.of(twoA)::contains)))
                .hasValueSatisfying(b -> assertThat(b.id()).isEqualTo(twoB));
        assertThat(provider.findCreated(new BatchProvider.Lookup("bp-x-9", Instant.now().plusSeconds(60), 3,
                id -> false))).isEmpty();
        assertThat(received(sandbox.server(), "anthropic")).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.path()).isEqualTo("/v1/messages/batches");
            assertThat(r.query()).isEqualTo("limit=100");
        });
    }

    @Test
    void cancelAndUnknownBatches() {
        ProviderBatch created = provider.create(MODEL, "", null, batchFile(dir, provider, MODEL, 2), 2, "t");
        sandbox.server().reset();
        provider.cancel(created.id());
        ReceivedRequest cancel = sandbox.server().received().get(0);
        assertThat(cancel.method()).isEqualTo("POST");
        assertThat(cancel.path()).isEqualTo("/v1/messages/batches/" + created.id() + "/cancel");
        assertThat(awaitTerminal(provider, created.id()).state())
                .isIn(ProviderBatch.State.CANCELLED, ProviderBatch.State.COMPLETED);

        assertThatThrownBy(() -> provider.get("msgbatch_unknown")).isInstanceOfSatisfying(ProviderException.class, e -> {
            assertThat(e.notFound()).isTrue();
            assertThat(e.code()).isEqualTo("not_found_error");
            assertThat(e.getMessage()).doesNotContain("sk-ant-contract");
        });
    }

    @Test
    void aQuotaRefusalIsA429TheSubmitterRecognises() {
        sandbox.server().faults().anthropic().enqueuedTokenLimit(MODEL, 10);
        Path file = batchFile(dir, provider, MODEL, 2);
        assertThatThrownBy(() -> provider.create(MODEL, "", null, file, 2, "t"))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.code()).isEqualTo("rate_limit_error");
                });
        // 429s on create are retried (nothing was created), each with the whole body again
        assertThat(received(sandbox.server(), "anthropic")).hasSize(AdapterFixtures.ATTEMPTS)
                .allSatisfy(r -> assertThat(r.body()).startsWith("{\"requests\":[{\"custom_id\":\"" + PREFIX + "r1s1\""));
    }
}
