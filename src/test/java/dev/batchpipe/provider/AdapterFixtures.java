package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.sandbox.ReceivedRequest;
import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.SandboxServer;
import dev.batchpipe.task.JsonSchemaSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.awaitility.Awaitility;

/** What the adapter contract tests share: a fast sandbox, requests like the pipeline renders, batch files. */
final class AdapterFixtures {

    static final ObjectMapper JSON = new ObjectMapper();
    /** How many calls a transient failure gets in the contract tests' Camel (quickly, 10 ms apart and more). */
    static final int ATTEMPTS = 3;
    static final ProviderLimits LIMITS = new ProviderLimits(1000, 10_000_000, Map.of(), 0, 0);
    static final ObjectNode SCHEMA = (ObjectNode) read("""
            {"type":"object","additionalProperties":false,"required":["sentiment","score","companies"],
             "properties":{"sentiment":{"type":"string","enum":["positive","negative","neutral"]},
                           "score":{"type":"integer","minimum":0,"maximum":10},
                           "companies":{"type":"array","maxItems":5,"items":{"type":"string"}}}}""");

    private AdapterFixtures() {
    }

    /** The provider HTTP route the adapters send through. */
    static ProviderCamel camel() {
        return new ProviderCamel(ATTEMPTS, Duration.ofMillis(10), Duration.ofMillis(50));
    }

    static SandboxConfig.Builder sandbox() {
        return SandboxConfig.builder().speed(2000).stageDelay(Duration.ofMillis(100)).tickInterval(Duration.ofMillis(20));
    }

    static BatchRequest request(int i, String model) {
        return new BatchRequest("r" + i + "s1", model, "/v1/chat/completions", "You classify news.",
                "Title: Bank " + i + " raises rates\n\nGaranti BBVA said so on Monday.", 300, 0.0, "news_classify",
                SCHEMA);
    }

    /** A batch file of {@code n} requests, as the submitter writes it. */
    static Path batchFile(Path dir, BatchProvider provider, String model, int n) {
        Path file = dir.resolve(provider.name() + "-" + model + "-" + n + "-" + System.nanoTime() + ".jsonl");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 1; i <= n; i++) {
                out.write(provider.encode(request(i, model)));
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    static ProviderBatch awaitTerminal(BatchProvider provider, String id) {
        return await(() -> provider.get(id), b -> b.state().terminal());
    }

    static <T> T await(Supplier<T> poll, Predicate<T> until) {
        return Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(poll::get, until::test);
    }

    static List<ResultLine> results(BatchProvider provider, ProviderBatch batch) throws IOException {
        List<ResultLine> lines = new ArrayList<>();
        try (BatchProvider.ResultStream stream = provider.results(batch)) {
            stream.forEachRemaining(lines::add);
        }
        return lines;
    }

    /** Every succeeded line holds a valid answer to the fixtures' schema. */
    static void assertAnswered(List<ResultLine> lines, int n) {
        assertThat(lines).hasSize(n);
        JsonSchemaSpec spec = new JsonSchemaSpec(SCHEMA);
        for (ResultLine line : lines) {
            assertThat(line.outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
            assertThat(spec.problems(read(line.answer()))).isEmpty();
            assertThat(line.usage().inputTokens()).isPositive();
            assertThat(line.usage().outputTokens()).isPositive();
        }
        assertThat(lines.stream().map(ResultLine::customId))
                .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.rangeClosed(1, n).mapToObj(i -> "r" + i + "s1").toList());
    }

    static List<ReceivedRequest> received(SandboxServer sandbox, String provider) {
        return sandbox.received().stream().filter(r -> r.provider().equals(provider)).toList();
    }

    static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
