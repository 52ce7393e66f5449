package dev.batchpipe.provider;

import static dev.batchpipe.provider.AdapterFixtures.assertAnswered;
import static dev.batchpipe.provider.AdapterFixtures.awaitTerminal;
import static dev.batchpipe.provider.AdapterFixtures.read;
import static dev.batchpipe.provider.AdapterFixtures.results;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.image.ImageData;
import dev.batchpipe.image.ImagePart;
import dev.batchpipe.image.ImageSpool;
import dev.batchpipe.sandbox.SandboxExtension;
import dev.batchpipe.support.TestImages;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image parts as each adapter writes them (the shapes of the providers' API references), with their base64 streamed
 * in from the spool as the batch file is written, through the sandbox's batch protocols: a request with a PNG and a
 * JPEG is answered; one whose image is declared as another type is refused on its line, as the providers do.
 */
class ImagePartsContractTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(AdapterFixtures.sandbox());
    @RegisterExtension
    static final ProviderCamel camel = AdapterFixtures.camel();

    @TempDir
    Path dir;
    ImageSpool spool;
    byte[] png;
    byte[] jpeg;
    List<ImagePart> images;

    @BeforeEach
    void spoolImages() throws Exception {
        spool = new ImageSpool(dir.resolve("images"));
        png = TestImages.image("png", 64, 48, 1);
        jpeg = TestImages.image("jpeg", 80, 60, 2);
        images = List.of(spool.store(new ByteArrayInputStream(png), 1 << 20),
                spool.store(new ByteArrayInputStream(jpeg), 1 << 20));
    }

    private BatchRequest request(int i, String model, String endpoint, List<ImagePart> parts) {
        BatchRequest r = AdapterFixtures.request(i, model);
        return new BatchRequest(r.customId(), model, endpoint, r.system(), r.user(), r.maxOutputTokens(),
                r.temperature(), r.schemaName(), r.schema(), parts, null);
    }

    /** A batch file of a good request and one whose PNG is declared as a JPEG, written as BatchFiles writes it. */
    private Path batchFile(BatchProvider provider, String model, String endpoint) throws Exception {
        ImagePart misdeclared = new ImagePart("image/jpeg", images.get(0).sha256(), images.get(0).bytes(), 64, 48);
        Path file = dir.resolve(provider.name() + "-" + System.nanoTime() + ".jsonl");
        try (OutputStream out = Files.newOutputStream(file)) {
            ImageData.write(provider.encode(request(1, model, endpoint, images)), out, spool::path);
            out.write('\n');
            ImageData.write(provider.encode(request(2, model, endpoint, List.of(misdeclared))), out, spool::path);
            out.write('\n');
        }
        return file;
    }

    private JsonNode firstLine(Path file) throws Exception {
        return read(Files.readAllLines(file, StandardCharsets.UTF_8).get(0));
    }

    private String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private void assertOneAnsweredOneRefused(BatchProvider provider, ProviderBatch created) throws Exception {
        List<ResultLine> lines = results(provider, awaitTerminal(provider, created.id()));
        assertAnswered(lines.stream().filter(l -> l.customId().endsWith("r1s1")).toList(), 1);
        ResultLine refused = lines.stream().filter(l -> l.customId().endsWith("r2s1")).findFirst().orElseThrow();
        assertThat(refused.outcome()).isNotEqualTo(ResultLine.Outcome.SUCCEEDED);
        assertThat(refused.error()).contains("not the declared image/jpeg");
    }

    private OpenAiBatchProvider openAi() {
        return new OpenAiBatchProvider(new OpenAiBatchProvider.Settings("openai", () -> sandbox.server().openAiBaseUrl(),
                () -> "sk-contract", OpenAiBatchProvider.Auth.BEARER, null, false, null, null, "24h",
                AdapterFixtures.LIMITS, true), camel.http());
    }

    @Test
    void openAiChatSendsImageUrlPartsWithDataUris() throws Exception {
        OpenAiBatchProvider openai = openAi();
        Path file = batchFile(openai, "gpt-4o-mini", "/v1/chat/completions");
        JsonNode content = firstLine(file).at("/body/messages/1/content");
        assertThat(content.get(0).path("type").asText()).isEqualTo("image_url");
        assertThat(content.get(0).at("/image_url/url").asText()).isEqualTo("data:image/png;base64," + b64(png));
        assertThat(content.get(1).at("/image_url/url").asText()).isEqualTo("data:image/jpeg;base64," + b64(jpeg));
        assertThat(content.get(2).path("type").asText()).isEqualTo("text");

        String fileId = openai.upload(file, "batchpipe-img-1");
        assertOneAnsweredOneRefused(openai, openai.create("gpt-4o-mini", "/v1/chat/completions", fileId, file, 2,
                "img-1"));
    }

    @Test
    void openAiResponsesSendsInputImageParts() throws Exception {
        OpenAiBatchProvider openai = openAi();
        Path file = batchFile(openai, "gpt-4o-mini", "/v1/responses");
        JsonNode content = firstLine(file).at("/body/input/0/content");
        assertThat(firstLine(file).at("/body/input/0/role").asText()).isEqualTo("user");
        assertThat(content.get(0).path("type").asText()).isEqualTo("input_image");
        assertThat(content.get(0).path("image_url").asText()).isEqualTo("data:image/png;base64," + b64(png));
        assertThat(content.get(2).path("type").asText()).isEqualTo("input_text");

        String fileId = openai.upload(file, "batchpipe-img-2");
        assertOneAnsweredOneRefused(openai, openai.create("gpt-4o-mini", "/v1/responses", fileId, file, 2, "img-2"));
    }

    @Test
    void anthropicSendsImageBlocksWithABase64Source() throws Exception {
        AnthropicBatchProvider anthropic = new AnthropicBatchProvider(new AnthropicBatchProvider.Settings(
                () -> sandbox.server().anthropicBaseUrl(), () -> "sk-ant-contract", "bp-", AdapterFixtures.LIMITS),
                camel.http());
        Path file = batchFile(anthropic, "claude-haiku-4-5", "/v1/chat/completions");
        JsonNode content = firstLine(file).at("/params/messages/0/content");
        assertThat(content.get(0).path("type").asText()).isEqualTo("image");
        assertThat(content.get(0).at("/source/type").asText()).isEqualTo("base64");
        assertThat(content.get(0).at("/source/media_type").asText()).isEqualTo("image/png");
        assertThat(content.get(0).at("/source/data").asText()).isEqualTo(b64(png));
        assertThat(content.get(1).at("/source/media_type").asText()).isEqualTo("image/jpeg");
        assertThat(content.get(2).path("type").asText()).isEqualTo("text");

        assertOneAnsweredOneRefused(anthropic, anthropic.create("claude-haiku-4-5", "/v1/chat/completions",
                anthropic.upload(file, "img-3"), file, 2, "img-3"));
    }

    @Test
    void geminiSendsInlineDataParts() throws Exception {
        GeminiBatchProvider gemini = new GeminiBatchProvider(new GeminiBatchProvider.Settings(
                () -> sandbox.server().geminiBaseUrl(), () -> "AIza-contract", 1 << 20, AdapterFixtures.LIMITS),
                camel.http());
        Path file = batchFile(gemini, "gemini-2.5-flash", "/v1/chat/completions");
        JsonNode parts = firstLine(file).at("/request/contents/0/parts");
        assertThat(parts.get(0).at("/inlineData/mimeType").asText()).isEqualTo("image/png");
        assertThat(parts.get(0).at("/inlineData/data").asText()).isEqualTo(b64(png));
        assertThat(parts.get(1).at("/inlineData/mimeType").asText()).isEqualTo("image/jpeg");
        assertThat(parts.get(2).has("text")).isTrue();
        assertThat(gemini.imageTypes()).doesNotContain("image/gif");

        assertOneAnsweredOneRefused(gemini, gemini.create("gemini-2.5-flash", "/v1/chat/completions",
                gemini.upload(file, "img-4"), file, 2, "img-4"));
    }
}
