package dev.batchpipe.provider;

import static dev.batchpipe.provider.AdapterFixtures.assertAnswered;
import static dev.batchpipe.provider.AdapterFixtures.awaitTerminal;
import static dev.batchpipe.provider.AdapterFixtures.batchFile;
import static dev.batchpipe.provider.AdapterFixtures.read;
import static dev.batchpipe.provider.AdapterFixtures.results;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.sandbox.ReceivedRequest;
import dev.batchpipe.sandbox.SandboxExtension;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAI adapter configured as Azure OpenAI and as a generic OpenAI-compatible vendor: the calls it makes. */
class OpenAiCompatibleAdapterContractTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(AdapterFixtures.sandbox());
    @RegisterExtension
    static final ProviderCamel camel = AdapterFixtures.camel();

    @TempDir
    Path dir;

    @Test
    void azureSendsItsKeyHeaderTheApiVersionAndUnversionedEndpointsWithTheDeploymentAsModel() throws Exception {
        OpenAiBatchProvider azure = new OpenAiBatchProvider(new OpenAiBatchProvider.Settings("azure",
                () -> sandbox.server().baseUrl() + "/openai", () -> "azure-contract-key",
                OpenAiBatchProvider.Auth.API_KEY_HEADER, "2024-10-21", true, null, null, "24h", AdapterFixtures.LIMITS, true),
                camel.http());
        Path file = batchFile(dir, azure, "my-gpt4o-mini-deployment", 3);

        String fileId = azure.upload(file, "batchpipe-bp-x-1");
        ProviderBatch created = azure.create("my-gpt4o-mini-deployment", "/v1/chat/completions", fileId, file, 3, "bp-x-1");
        ProviderBatch done = awaitTerminal(azure, created.id());
        assertAnswered(results(azure, done), 3);

        List<ReceivedRequest> calls = sandbox.server().received();
        assertThat(calls).allSatisfy(r -> {
            assertThat(r.path()).startsWith("/openai/");
            assertThat(r.query()).isEqualTo("api-version=2024-10-21");
            assertThat(r.header("api-key")).isEqualTo("***");
            assertThat(r.header("authorization")).isNull();
        });
        ReceivedRequest upload = calls.get(0);
        assertThat(upload.method() + " " + upload.path()).isEqualTo("POST /openai/files");
        JsonNode line = read(upload.body().lines().findFirst().orElseThrow());
        assertThat(line.path("url").asText()).isEqualTo("/chat/completions");
        assertThat(line.at("/body/model").asText()).isEqualTo("my-gpt4o-mini-deployment");
        assertThat(line.at("/body/response_format/json_schema/strict").asBoolean()).isTrue();
        ReceivedRequest create = calls.get(1);
        assertThat(create.method() + " " + create.path()).isEqualTo("POST /openai/batches");
        JsonNode body = read(create.body());
        assertThat(body.path("endpoint").asText()).isEqualTo("/chat/completions");
        assertThat(body.path("input_file_id").asText()).isEqualTo(fileId);
        assertThat(body.path("completion_window").asText()).isEqualTo("24h");
        assertThat(body.at("/metadata/batchpipe_batch").asText()).isEqualTo("bp-x-1");
        assertThat(calls.get(calls.size() - 1).path()).isEqualTo("/openai/files/" + done.outputFileId() + "/content");
    }

    @Test
    void aCompatibleVendorIsOpenAiAtAnotherBaseWithBearerAuth() throws Exception {
        OpenAiBatchProvider vendor = new OpenAiBatchProvider(new OpenAiBatchProvider.Settings("openai-compatible",
                () -> sandbox.server().openAiBaseUrl(), () -> "vendor-key", OpenAiBatchProvider.Auth.BEARER, null, false,
                null, null, "24h", AdapterFixtures.LIMITS, false), camel.http());
        Path file = batchFile(dir, vendor, "llama-3.1-8b-instant", 2);

        String fileId = vendor.upload(file, "batchpipe-bp-x-2");
        ProviderBatch done = awaitTerminal(vendor, vendor.create("llama-3.1-8b-instant", "/v1/chat/completions", fileId,
                file, 2, "bp-x-2").id());
        assertAnswered(results(vendor, done), 2);

        List<ReceivedRequest> calls = sandbox.server().received();
        assertThat(calls).allSatisfy(r -> {
            assertThat(r.path()).startsWith("/v1/");
            assertThat(r.query()).isNull();
            assertThat(r.header("authorization")).isEqualTo("Bearer ***");
            assertThat(r.header("api-key")).isNull();
        });
        assertThat(read(calls.get(0).body().lines().findFirst().orElseThrow()).path("url").asText())
                .isEqualTo("/v1/chat/completions");
        assertThat(read(calls.get(1).body()).path("endpoint").asText()).isEqualTo("/v1/chat/completions");
    }
}
