package dev.batchpipe.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.awaitility.Awaitility;

/** Assertions and fixtures shared by the sandbox tests. */
final class Support {

    static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private Support() {
    }

    /** A fast sandbox: 1000× simulated time, short stages, a temporary data dir. */
    static SandboxConfig.Builder fast() {
        return SandboxConfig.builder().speed(1000).tokensPerSecond(1_000_000).stageDelay(Duration.ofSeconds(1))
                .tickInterval(Duration.ofMillis(20));
    }

    /** {@code prefix0 … prefix(n-1)}: custom ids for a batch of n requests. */
    static String[] ids(String prefix, int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> prefix + i).toArray(String[]::new);
    }

    static Set<ValidationMessage> violations(JsonNode schema, JsonNode instance) {
        JsonSchema s = SCHEMAS.getSchema(schema);
        return s.validate(instance);
    }

    static void assertValid(JsonNode schema, JsonNode instance) {
        assertThat(violations(schema, instance)).as("%s against %s", instance, schema).isEmpty();
    }

    static JsonNode parse(String json) {
        try {
            return Client.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> jsonl(String body) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                out.add(parse(line));
            }
        }
        return out;
    }

    /** Polls until the supplier's value satisfies the condition, and returns it. */
    static <T> T await(Supplier<T> poll, java.util.function.Predicate<T> until) {
        List<T> last = new ArrayList<>(1);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25)).until(() -> {
            T v = poll.get();
            last.clear();
            last.add(v);
            return until.test(v);
        });
        return last.get(0);
    }

    /** An RFC 3339 timestamp within a minute of now (Anthropic, Gemini). */
    static Instant assertRecentRfc3339(JsonNode node) {
        assertThat(node.isTextual()).as("RFC 3339 string: %s", node).isTrue();
        Instant t = Instant.parse(node.asText());
        assertThat(Duration.between(t, Instant.now()).abs()).isLessThan(Duration.ofMinutes(1));
        return t;
    }

    /** A unix-seconds timestamp within a minute of now (OpenAI). */
    static long assertRecentUnix(JsonNode node) {
        assertThat(node.isIntegralNumber()).as("unix seconds: %s", node).isTrue();
        assertThat(Math.abs(node.asLong() - Instant.now().getEpochSecond())).isLessThan(60);
        return node.asLong();
    }
}
