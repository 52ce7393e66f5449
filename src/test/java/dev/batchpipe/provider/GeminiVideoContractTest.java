package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.provider.MediaFiles.MediaFile;
import dev.batchpipe.sandbox.SandboxExtension;
import dev.batchpipe.support.TestVideos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A video reaches Gemini as a fileData part naming a file uploaded to its Files API, and only once it is ACTIVE. */
class GeminiVideoContractTest {

    private static final String MODEL = "gemini-2.5-flash";

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(AdapterFixtures.sandbox());
    @RegisterExtension
    static final ProviderCamel camel = AdapterFixtures.camel();

    @TempDir
    Path dir;

    private static GeminiBatchProvider provider() {
        return new GeminiBatchProvider(new GeminiBatchProvider.Settings(() -> sandbox.server().geminiBaseUrl(),
                () -> "AIza-contract", 20_000_000, AdapterFixtures.LIMITS), camel.http());
    }

    private static BatchRequest asking(String mimeType, String uri) {
        BatchRequest r = AdapterFixtures.request(1, MODEL);
        return new BatchRequest(r.customId(), MODEL, r.endpoint(), r.system(), "What happens in this clip?",
                r.maxOutputTokens(), r.temperature(), r.schemaName(), r.schema(), List.of(), null,
                List.of(new BatchRequest.FileReference(mimeType, uri)));
    }

    private static JsonNode call(BatchRequest r) {
        return camel.http().json(provider().realtime(r).retry(ProviderHttp.Retry.NONE));
    }

    @Test
    void theFileIsReferencedBeforeTheQuestionAndAnsweredOnceTheProviderHasProcessedIt() throws Exception {
        Path clip = Files.write(dir.resolve("clip.mp4"), TestVideos.mp4(4, 3000, 1));
        MediaFile uploaded = provider().upload(clip, "video/mp4", "batchpipe-media-contract");

        JsonNode line = ProviderHttp.JSON.readTree(provider().encode(asking("video/mp4", uploaded.uri())));
        assertThat(line.at("/request/contents/0/parts/0/fileData/fileUri").asText()).isEqualTo(uploaded.uri());
        assertThat(line.at("/request/contents/0/parts/0/fileData/mimeType").asText()).isEqualTo("video/mp4");
        assertThat(line.at("/request/contents/0/parts/1/text").asText()).isEqualTo("What happens in this clip?");

        assertThat(uploaded.active()).isFalse();
        assertThatThrownBy(() -> call(asking("video/mp4", uploaded.uri())))
                .isInstanceOf(ProviderException.class).hasMessageContaining("not in an ACTIVE state");
        MediaFile found = provider().findUploaded("batchpipe-media-contract").orElseThrow();
        assertThat(found.name()).isEqualTo(uploaded.name());
        while (!provider().file(uploaded.name()).active()) {
            Thread.sleep(100);
        }
        JsonNode answer = call(asking("video/mp4", uploaded.uri()));
        assertThat(provider().answer("r1s1", answer).outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
    }

    @Test
    void aFileTheProviderDoesNotHaveOrOfAnotherTypeIsRefused() throws Exception {
        Path clip = Files.write(dir.resolve("other.mp4"), TestVideos.mp4(2, 1000, 2));
        MediaFile uploaded = provider().upload(clip, "video/mp4", "batchpipe-media-other");
        while (!provider().file(uploaded.name()).active()) {
            Thread.sleep(100);
        }

        assertThatThrownBy(() -> call(asking("video/mp4", uploaded.uri().replace(uploaded.name(), "files/nope"))))
                .isInstanceOfSatisfying(ProviderException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThatThrownBy(() -> call(asking("video/webm", uploaded.uri())))
                .isInstanceOf(ProviderException.class).hasMessageContaining("does not match the file's video/mp4");
        assertThat(provider().findUploaded("batchpipe-media-never")).isEmpty();
    }
}
