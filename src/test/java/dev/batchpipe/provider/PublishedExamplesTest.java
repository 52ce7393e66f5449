package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The adapters decode the providers' own published examples (src/test/resources/fixtures, sources in its README):
 * result lines through the same streaming readers the pipeline uses, batch objects through the adapters' parsers.
 */
class PublishedExamplesTest {

    private static InputStream fixture(String name) {
        InputStream in = PublishedExamplesTest.class.getResourceAsStream("/fixtures/" + name);
        assertThat(in).as(name).isNotNull();
        return in;
    }

    private static JsonNode json(String name) throws IOException {
        try (InputStream in = fixture(name)) {
            return ProviderHttp.JSON.readTree(in);
        }
    }

    private static List<ResultLine> lines(BatchProvider.ResultStream stream) {
        List<ResultLine> lines = new ArrayList<>();
        try (stream) {
            stream.forEachRemaining(lines::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    private static List<ResultLine> jsonl(Function<JsonNode, ResultLine> decoder, String... files) {
        List<java.util.function.Supplier<InputStream>> sources = new ArrayList<>();
        for (String file : files) {
            sources.add(() -> fixture(file));
        }
        return lines(new JsonLineResults(sources, decoder));
    }

    @Test
    void openAiOutputAndErrorFiles() {
        List<ResultLine> lines = jsonl(OpenAiBatchProvider::decodeLine,
                "openai/batch-output.jsonl", "openai/batch-errors.jsonl");

        assertThat(lines).extracting(ResultLine::customId)
                .containsExactly("request-2", "request-1", "request-5", "request-3", "request-4");
        ResultLine hello = lines.get(0);
        assertThat(hello.outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
        assertThat(hello.answer()).isEqualTo("Hello.");
        assertThat(hello.usage()).isEqualTo(new ResultLine.Usage(22, 2, 0));
        assertThat(lines.get(1).usage()).isEqualTo(new ResultLine.Usage(20, 9, 0));

        ResultLine tooLong = lines.get(2);
        assertThat(tooLong.outcome()).isEqualTo(ResultLine.Outcome.ERRORED);
        assertThat(tooLong.failure()).isEqualTo(ResultLine.Failure.INVALID_REQUEST);
        assertThat(tooLong.error()).startsWith("HTTP 400 context_length_exceeded: This model's maximum context length");
        assertThat(lines.get(3).outcome()).isEqualTo(ResultLine.Outcome.EXPIRED);
        assertThat(lines.get(3).failure()).isEqualTo(ResultLine.Failure.TRANSIENT);
        assertThat(lines.get(3).error()).startsWith("batch_expired: ");
        assertThat(lines.get(4).outcome()).isEqualTo(ResultLine.Outcome.CANCELLED);
        assertThat(lines.get(4).failure()).isEqualTo(ResultLine.Failure.TRANSIENT);
    }

    @Test
    void openAiBatchObject() throws IOException {
        ProviderBatch batch = OpenAiBatchProvider.parse(json("openai/batch.json"));

        assertThat(batch.id()).isEqualTo("batch_abc123");
        assertThat(batch.state()).isEqualTo(ProviderBatch.State.COMPLETED);
        assertThat(batch.rawStatus()).isEqualTo("completed");
        assertThat(batch.total()).isEqualTo(100);
        assertThat(batch.completed()).isEqualTo(95);
        assertThat(batch.failed()).isEqualTo(5);
        assertThat(batch.inputFileId()).isEqualTo("file-abc123");
        assertThat(batch.outputFileId()).isEqualTo("file-cvaTdG");
        assertThat(batch.errorFileId()).isEqualTo("file-HOWS94");
        assertThat(batch.errorCode()).isNull();
        assertThat(batch.tag()).as("not one of ours: no batchpipe_batch metadata").isNull();
        assertThat(batch.createdAt()).isEqualTo(Instant.ofEpochSecond(1711471533));
        assertThat(batch.expiresAt()).isEqualTo(Instant.ofEpochSecond(1711557933));
        assertThat(batch.inputTokens()).as("no usage: batches created before September 2025").isZero();
    }

    /** Batches created since September 2025 carry the usage of the whole batch: the provider's count of its prompts. */
    @Test
    void openAiBatchObjectWithUsage() throws IOException {
        assertThat(OpenAiBatchProvider.parse(json("openai/batch-with-usage.json")).inputTokens()).isEqualTo(1500);
    }

    @Test
    void anthropicResultLinesOfEveryType() {
        List<ResultLine> lines = jsonl(line -> AnthropicBatchProvider.decodeLine(line, "bp-0123456789ab-", true),
                "anthropic/results.jsonl");

        assertThat(lines).extracting(ResultLine::customId).containsExactly("my-second-request", "my-weather-request",
                "my-third-request", "my-fourth-request", "my-fifth-request");
        ResultLine text = lines.get(0);
        assertThat(text.outcome()).as("a text answer is not the forced tool's").isEqualTo(ResultLine.Outcome.ERRORED);
        assertThat(text.failure()).isEqualTo(ResultLine.Failure.REQUEST);
        assertThat(text.error()).contains("no tool_use block").contains("end_turn");
        assertThat(text.usage()).isEqualTo(new ResultLine.Usage(11, 36, 0));

        ResultLine tool = lines.get(1);
        assertThat(tool.outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
        assertThat(AdapterFixtures.read(tool.answer()))
                .isEqualTo(AdapterFixtures.read("{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}"));
        assertThat(tool.usage()).isEqualTo(new ResultLine.Usage(384, 94, 0));

        assertThat(lines.get(2).outcome()).isEqualTo(ResultLine.Outcome.ERRORED);
        assertThat(lines.get(2).failure()).isEqualTo(ResultLine.Failure.INVALID_REQUEST);
        assertThat(lines.get(2).error()).isEqualTo("invalid_request_error: max_tokens: Field required");
        assertThat(lines.get(3).outcome()).isEqualTo(ResultLine.Outcome.CANCELLED);
        assertThat(lines.get(3).failure()).isEqualTo(ResultLine.Failure.TRANSIENT);
        assertThat(lines.get(4).outcome()).isEqualTo(ResultLine.Outcome.EXPIRED);
        assertThat(lines.get(4).failure()).isEqualTo(ResultLine.Failure.TRANSIENT);
    }

    @Test
    void anthropicBatchObjectsRunningAndEnded() throws IOException {
        ProviderBatch running = AnthropicBatchProvider.parse(json("anthropic/batch-in-progress.json"));
        assertThat(running.id()).isEqualTo("msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d");
        assertThat(running.state()).isEqualTo(ProviderBatch.State.RUNNING);
        assertThat(running.total()).isEqualTo(2);
        assertThat(running.completed()).isZero();
        assertThat(running.outputFileId()).isNull();
        assertThat(running.createdAt()).isEqualTo(Instant.parse("2024-09-24T18:37:24.100435Z"));
        assertThat(running.expiresAt()).isEqualTo(Instant.parse("2024-09-25T18:37:24.100435Z"));

        ProviderBatch ended = AnthropicBatchProvider.parse(json("anthropic/batch-ended.json"));
        assertThat(ended.state()).as("ended with expired requests").isEqualTo(ProviderBatch.State.EXPIRED);
        assertThat(ended.rawStatus()).isEqualTo("ended");
        assertThat(ended.total()).isEqualTo(100);
        assertThat(ended.completed()).isEqualTo(95);
        assertThat(ended.failed()).isEqualTo(5);
        assertThat(ended.outputFileId()).endsWith("/v1/messages/batches/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d/results");
    }

    @Test
    void geminiOperationAndItsInlinedResponses() throws IOException {
        ProviderBatch batch = GeminiBatchProvider.parse(json("gemini/batch-operation.json"));
        assertThat(batch.id()).isEqualTo("batches/123456");
        assertThat(batch.state()).isEqualTo(ProviderBatch.State.COMPLETED);
        assertThat(batch.rawStatus()).isEqualTo("BATCH_STATE_SUCCEEDED");
        assertThat(batch.total()).as("int64 counts sent as strings").isEqualTo(2);
        assertThat(batch.completed()).isEqualTo(1);
        assertThat(batch.failed()).isEqualTo(1);
        assertThat(batch.outputFileId()).as("inline: no responses file").isNull();
        assertThat(batch.tag()).isEqualTo("my-batch-requests");
        assertThat(batch.createdAt()).isEqualTo(Instant.parse("2025-07-07T18:47:50.391379Z"));

        List<ResultLine> lines = lines(new InlinedResponses(fixture("gemini/batch-operation.json"),
                GeminiBatchProvider::decodeLine));
        assertThat(lines).extracting(ResultLine::customId).containsExactly("request-1", "request-2");
        assertThat(lines.get(0).outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
        assertThat(lines.get(0).answer()).isEqualTo("AI learns patterns from data to make predictions or decisions.");
        assertThat(lines.get(0).usage()).as("thinking counts as output").isEqualTo(new ResultLine.Usage(6, 841, 0));
        assertThat(lines.get(1).outcome()).isEqualTo(ResultLine.Outcome.ERRORED);
        assertThat(lines.get(1).failure()).isEqualTo(ResultLine.Failure.INVALID_REQUEST);
        assertThat(lines.get(1).error()).isEqualTo("INVALID_ARGUMENT: Request contains an invalid argument.");
    }

    @Test
    void geminiOutputFileLines() {
        List<ResultLine> lines = jsonl(GeminiBatchProvider::decodeLine, "gemini/batch-output.jsonl");

        assertThat(lines).extracting(ResultLine::customId).containsExactly("request-1", "request-2");
        assertThat(lines.get(0).outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
        assertThat(lines.get(0).answer()).startsWith("A large language model");
        assertThat(lines.get(0).usage()).isEqualTo(new ResultLine.Usage(7, 18, 0));
        assertThat(lines.get(1).outcome()).isEqualTo(ResultLine.Outcome.ERRORED);
        assertThat(lines.get(1).failure()).isEqualTo(ResultLine.Failure.TRANSIENT);
        assertThat(lines.get(1).error()).startsWith("RESOURCE_EXHAUSTED: ");
    }

    @Test
    void openAiEmbeddingsOutputLineIsTheVectorWithInputTokensOnly() {
        List<ResultLine> lines = jsonl(OpenAiBatchProvider::decodeLine, "openai/embeddings-output.jsonl");

        assertThat(lines).singleElement().satisfies(line -> {
            assertThat(line.outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
            assertThat(line.customId()).isEqualTo("request-1");
            assertThat(ProviderHttp.JSON.readTree(line.answer())).isEqualTo(ProviderHttp.JSON.readTree(
                    "{\"embedding\":[0.0023064255,-0.009327292,-0.0028842222]}"));
            assertThat(line.usage()).isEqualTo(new ResultLine.Usage(8, 0, 0));
        });
    }

    @Test
    void geminiEmbeddingBatchOutputLines() {
        List<ResultLine> lines = jsonl(GeminiBatchProvider::decodeLine, "gemini/embed-batch-output.jsonl");

        assertThat(lines).extracting(ResultLine::customId).containsExactly("request-1", "request-2");
        assertThat(lines.get(0).outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
        assertThat(lines.get(0).answer()).isEqualTo("{\"embedding\":[0.013168523,-0.008711934,-0.046782676]}");
        assertThat(lines.get(1).failure()).isEqualTo(ResultLine.Failure.INVALID_REQUEST);
    }
}
