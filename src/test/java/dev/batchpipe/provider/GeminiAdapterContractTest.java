package dev.batchpipe.provider;

import static dev.batchpipe.provider.AdapterFixtures.assertAnswered;
import static dev.batchpipe.provider.AdapterFixtures.awaitTerminal;
import static dev.batchpipe.provider.AdapterFixtures.batchFile;
import static dev.batchpipe.provider.AdapterFixtures.read;
import static dev.batchpipe.provider.AdapterFixtures.results;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.sandbox.ReceivedRequest;
import dev.batchpipe.sandbox.SandboxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The exact calls the Gemini adapter makes (inline and file mode), and what it reads back. */
class GeminiAdapterContractTest {

    private static final String MODEL = "gemini-2.5-flash";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(AdapterFixtures.sandbox());
    @RegisterExtension
    static final ProviderCamel camel = AdapterFixtures.camel();

    @TempDir
    Path dir;

    private static GeminiBatchProvider provider(long inlineMaxBytes) {
        return new GeminiBatchProvider(new GeminiBatchProvider.Settings(() -> sandbox.server().geminiBaseUrl(),
                () -> "AIza-contract", inlineMaxBytes, AdapterFixtures.LIMITS), camel.http());
    }

    @Test
    void aSmallBatchTravelsInlineAndItsAnswersComeFromTheOperation() throws Exception {
        GeminiBatchProvider provider = provider(20_000_000);
        Path file = batchFile(dir, provider, MODEL, 3);
        assertThat(provider.upload(file, "batchpipe-bp-x-1")).isNull();
        assertThat(sandbox.server().received()).isEmpty();

        ProviderBatch created = provider.create(MODEL, "/v1/chat/completions", null, file, 3, "bp-x-1");

        ReceivedRequest call = sandbox.server().received().get(0);
        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:batchGenerateContent");
        assertThat(call.header("x-goog-api-key")).isEqualTo("***");
        assertThat(call.query()).isNull();
        JsonNode batch = read(call.body()).path("batch");
        assertThat(batch.path("display_name").asText()).isEqualTo("bp-x-1");
        JsonNode requests = batch.at("/input_config/requests/requests");
        assertThat(requests).hasSize(3);
        JsonNode first = requests.get(0);
        assertThat(first.at("/metadata/key").asText()).isEqualTo("r1s1");
        JsonNode request = first.path("request");
        assertThat(request.at("/contents/0/role").asText()).isEqualTo("user");
        assertThat(request.at("/contents/0/parts/0/text").asText()).startsWith("Title: Bank 1 raises rates");
        assertThat(request.at("/systemInstruction/parts/0/text").asText()).isEqualTo("You classify news.");
        JsonNode config = request.path("generationConfig");
        assertThat(config.path("responseMimeType").asText()).isEqualTo("application/json");
        assertThat(config.path("maxOutputTokens").asInt()).isEqualTo(300);
        assertThat(config.at("/responseSchema/type").asText()).isEqualTo("OBJECT");
        assertThat(config.at("/responseSchema/propertyOrdering")).hasSize(3);
        assertThat(config.at("/responseSchema/properties/companies/maxItems").asText()).isEqualTo("5");
        assertThat(config.path("responseSchema").has("additionalProperties")).isFalse();

        assertThat(created.id()).startsWith("batches/");
        assertThat(created.tag()).isEqualTo("bp-x-1");
        ProviderBatch done = awaitTerminal(provider, created.id());
        assertThat(done.state()).isEqualTo(ProviderBatch.State.COMPLETED);
        assertThat(done.rawStatus()).isEqualTo("BATCH_STATE_SUCCEEDED");
        assertThat(done.total()).isEqualTo(3);
        assertThat(done.completed()).isEqualTo(3);
        assertThat(done.outputFileId()).isNull();

        sandbox.server().reset();
        assertAnswered(results(provider, done), 3);
        assertThat(sandbox.server().received()).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.path()).isEqualTo("/v1beta/" + created.id());
        });
    }

    @Test
    void aLargerBatchIsUploadedResumablyAndItsAnswersDownloaded() throws Exception {
        GeminiBatchProvider provider = provider(2_000);
        Path file = batchFile(dir, provider, MODEL, 4);
        String fileName = provider.upload(file, "batchpipe-bp-x-2");

        assertThat(fileName).startsWith("files/");
        List<ReceivedRequest> upload = sandbox.server().received();
        assertThat(upload).hasSize(2);
        ReceivedRequest start = upload.get(0);
        assertThat(start.path()).isEqualTo("/upload/v1beta/files");
        assertThat(start.header("x-goog-api-key")).isEqualTo("***");
        assertThat(start.header("x-goog-upload-protocol")).isEqualTo("resumable");
        assertThat(start.header("x-goog-upload-command")).isEqualTo("start");
        assertThat(start.header("x-goog-upload-header-content-length")).isEqualTo(String.valueOf(Files.size(file)));
        assertThat(start.header("x-goog-upload-header-content-type")).isEqualTo("application/jsonl");
        assertThat(read(start.body()).at("/file/display_name").asText()).isEqualTo("batchpipe-bp-x-2");
        ReceivedRequest transfer = upload.get(1);
        assertThat(transfer.method()).isEqualTo("POST");
        assertThat(transfer.query()).contains("upload_id=");
        assertThat(transfer.header("x-goog-upload-command")).isEqualTo("upload, finalize");
        assertThat(transfer.header("x-goog-upload-offset")).isEqualTo("0");
        assertThat(transfer.header("x-goog-api-key")).as("the upload URL is its own credential").isNull();
        assertThat(transfer.body()).isEqualTo(Files.readString(file));
        assertThat(read(transfer.body().lines().findFirst().orElseThrow()).fieldNames()).toIterable()
                .containsExactly("key", "request");

        sandbox.server().reset();
        ProviderBatch created = provider.create(MODEL, "/v1/chat/completions", fileName, file, 4, "bp-x-2");
        JsonNode body = read(sandbox.server().received().get(0).body());
        assertThat(body).isEqualTo(read("{\"batch\":{\"display_name\":\"bp-x-2\",\"input_config\":{\"file_name\":\""
                + fileName + "\"}}}"));
        ProviderBatch done = awaitTerminal(provider, created.id());
        assertThat(done.outputFileId()).startsWith("files/");

        sandbox.server().reset();
        assertAnswered(results(provider, done), 4);
        assertThat(sandbox.server().received()).singleElement().satisfies(r -> {
            assertThat(r.path()).isEqualTo("/download/v1beta/" + done.outputFileId() + ":download");
            assertThat(r.query()).isEqualTo("alt=media");
        });
    }

    @Test
    void aBatchIsFoundByItsDisplayNameUnlessItIsRecordedForAnotherBatch() {
        GeminiBatchProvider provider = provider(20_000_000);
        Instant since = Instant.now().minusSeconds(60);
        String id = provider.create(MODEL, "", null, batchFile(dir, provider, MODEL, 2), 2, "bp-x-3").id();
        provider.create(MODEL, "", null, batchFile(dir, provider, MODEL, 2), 2, "bp-x-4");
        sandbox.server().reset();

        assertThat(provider.findCreated(new BatchProvider.Lookup("bp-x-3", since, 2, other -> false)))
                .hasValueSatisfying(b -> assertThat(b.id()).isEqualTo(id));
        assertThat(provider.findCreated(new BatchProvider.Lookup("bp-x-3", since, 2, id::equals))).isEmpty();
        assertThat(provider.findCreated(new BatchProvider.Lookup("bp-x-5", since, 2, other -> false))).isEmpty();
        assertThat(sandbox.server().received()).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/v1beta/batches");
            assertThat(r.query()).isEqualTo("pageSize=100");
        });
    }

    @Test
    void cancelNamesTheBatch() {
        GeminiBatchProvider provider = provider(20_000_000);
        ProviderBatch created = provider.create(MODEL, "", null, batchFile(dir, provider, MODEL, 2), 2, "bp-x-6");
        sandbox.server().reset();
        try {
            provider.cancel(created.id());
        } catch (ProviderException e) {
            assertThat(e.status()).as("only refused when the batch had already finished").isEqualTo(400);
        }
        assertThat(sandbox.server().received()).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.path()).isEqualTo("/v1beta/" + created.id() + ":cancel");
        });
    }

    @Test
    void aCachedContentHoldsTheSystemPromptAndRealtimeCallsNameItInsteadOfSendingIt() throws Exception {
        GeminiBatchProvider provider = provider(20_000_000);
        sandbox.server().reset();
        String system = "You classify news. ".repeat(200);
        BatchRequest r = withSystem(AdapterFixtures.request(7, MODEL), system);

        GeminiBatchProvider.CachedContent cache = provider.createCachedContent(MODEL, system, Duration.ofMinutes(30));

        ReceivedRequest create = sandbox.server().received().get(0);
        assertThat(create.method()).isEqualTo("POST");
        assertThat(create.path()).isEqualTo("/v1beta/cachedContents");
        assertThat(create.header("x-goog-api-key")).isEqualTo("***");
        assertThat(read(create.body())).isEqualTo(read("{\"model\":\"models/gemini-2.5-flash\",\"systemInstruction\":"
                + "{\"parts\":[{\"text\":" + AdapterFixtures.JSON.writeValueAsString(system) + "}]},\"ttl\":\"1800s\"}"));
        assertThat(cache.name()).startsWith("cachedContents/");
        assertThat(cache.expiresAt()).isBetween(Instant.now().plusSeconds(1790), Instant.now().plusSeconds(1810));

        sandbox.server().reset();
        ProviderHttp.Reply reply = camel.http().call(provider.realtime(r.withCachedContent(cache.name())));
        ReceivedRequest call = sandbox.server().received().get(0);
        assertThat(call.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
        JsonNode body = read(call.body());
        assertThat(body.path("cachedContent").asText()).isEqualTo(cache.name());
        assertThat(body.has("systemInstruction")).as("the cached part is not sent again").isFalse();
        assertThat(body.at("/contents/0/parts/0/text").asText()).startsWith("Title: Bank 7");
        ResultLine answer = provider.answer("r7s1", reply.body());
        assertThat(answer.outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
        int cachedTokens = reply.body().at("/usageMetadata/cachedContentTokenCount").asInt();
        assertThat(cachedTokens).isGreaterThan(500);
        assertThat(answer.usage().cachedInputTokens()).isEqualTo(cachedTokens);
        assertThat(answer.usage().inputTokens()).isGreaterThan(cachedTokens);
    }

    @Test
    void anUnknownOrExpiredCachedContentIsNotFound() throws Exception {
        GeminiBatchProvider provider = provider(20_000_000);
        BatchRequest r = AdapterFixtures.request(8, MODEL);
        assertThatThrownBy(() -> camel.http().call(provider.realtime(r.withCachedContent("cachedContents/nosuch"))))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.status()).isEqualTo(404));

        GeminiBatchProvider.CachedContent cache = provider.createCachedContent(MODEL, "You classify news.",
                Duration.ofSeconds(1));
        assertThat(camel.http().json(provider.httpGet("/v1beta/" + cache.name())).path("name").asText())
                .isEqualTo(cache.name());
        Thread.sleep(Duration.between(Instant.now(), cache.expiresAt()).toMillis() + 100);
        assertThatThrownBy(() -> camel.http().json(provider.httpGet("/v1beta/" + cache.name())))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThatThrownBy(() -> camel.http().call(provider.realtime(r.withCachedContent(cache.name()))))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.status()).isEqualTo(404));
        // Gemini refuses a request that names a cache and sends a system instruction too
        GeminiBatchProvider.CachedContent live = provider.createCachedContent(MODEL, "You classify news.",
                Duration.ofMinutes(5));
        ObjectNode both = (ObjectNode) read(new String(provider.encode(r), java.nio.charset.StandardCharsets.UTF_8))
                .path("request");
        both.put("cachedContent", live.name());
        assertThatThrownBy(() -> camel.http().json(provider.httpPost(
                "/v1beta/models/gemini-2.5-flash:generateContent", both)))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    private static BatchRequest withSystem(BatchRequest r, String system) {
        return new BatchRequest(r.customId(), r.model(), r.endpoint(), system, r.user(), r.maxOutputTokens(),
                r.temperature(), r.schemaName(), r.schema());
    }
}
