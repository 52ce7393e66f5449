package dev.batchpipe.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.api.CostReport;
import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.pipeline.RequestRenderer;
import dev.batchpipe.provider.BatchRequest;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.sandbox.ReceivedRequest;
import dev.batchpipe.support.PipelineTest;
import dev.batchpipe.task.TokenEstimator;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Gemini context caching end to end, over the sandbox's HTTP API: a realtime job's shared system prompt becomes one
 * cached content that every call names (and does not send), priced at the cached rate; the next job, a restarted
 * service and another instance name the recorded one; an expired or vanished one is replaced.
 */
class GeminiContextCacheTest extends PipelineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "gemini-2.5-flash";

    /** news-classification's system prompt (some 150 tokens) is worth caching here; 1,024 in production. */
    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.gemini.cached-content.min-tokens", "50");
    }

    @BeforeEach
    void noCacheYet() {
        db.useHandle(h -> h.execute("DELETE FROM cached_contents"));
        sandbox.reset();
    }

    @Test
    void oneCacheServesEveryCallOfTheJobAndTheNextJobAndItsTokensCostTheCachedRate() throws Exception {
        long first = realtimeJob("gcc-a", 3);

        List<ReceivedRequest> creates = creates();
        assertThat(creates).hasSize(1);
        JsonNode created = JSON.readTree(creates.get(0).body());
        assertThat(created.path("model").asText()).isEqualTo("models/" + MODEL);
        assertThat(created.at("/systemInstruction/parts/0/text").asText()).startsWith("You are a financial news analyst.");
        assertThat(created.path("ttl").asText()).isEqualTo("3600s");
        String name = text("SELECT name FROM cached_contents WHERE provider = 'gemini' AND model = ?", MODEL);
        assertThat(name).startsWith("cachedContents/");
        assertThat(count("SELECT count(*) FROM cached_contents WHERE expires_at > now() + interval '55 minutes'"))
                .isEqualTo(1);
        assertCallsName(name, 3);

        // every answer read its system prompt from the cache, and paid the cached rate for it
        PriceTable prices = bean("priceTable", PriceTable.class);
        db.useHandle(h -> h.createQuery("SELECT s.input_tokens, s.cached_tokens, s.output_tokens, s.cost_usd "
                        + "FROM results s JOIN requests r ON r.id = s.request_id WHERE r.job_id = :j")
                .bind("j", first).map((rs, ctx) -> {
                    int in = rs.getInt(1);
                    int cached = rs.getInt(2);
                    int out = rs.getInt(3);
                    assertThat(cached).isGreaterThan(50).isLessThan(in);
                    // gemini-2.5-flash: 0.30 input, 0.03 cached input, 2.50 output per million, realtime price
                    BigDecimal expected = BigDecimal.valueOf((in - cached) * 0.30 + cached * 0.03 + out * 2.50)
                            .divide(BigDecimal.valueOf(1_000_000), 8, RoundingMode.HALF_UP);
                    assertThat(rs.getBigDecimal(4)).isEqualByComparingTo(expected);
                    return cached;
                }).list());
        CostReport.Row gemini = new CostReport(db, prices).of(CostReport.Group.PROVIDER, null, null).rows().stream()
                .filter(r -> r.key().equals("gemini")).findFirst().orElseThrow();
        assertThat(gemini.cachedInputTokens()).isEqualTo(count("SELECT sum(s.cached_tokens) FROM results s "
                + "JOIN requests r ON r.id = s.request_id WHERE r.provider = 'gemini'"));

        sandbox.reset();
        realtimeJob("gcc-b", 2);
        assertThat(creates()).as("the next job names the recorded cache").isEmpty();
        assertCallsName(name, 2);
    }

    @Test
    void aRestartedServiceOrAnotherInstanceNamesTheRecordedCache() throws Exception {
        realtimeJob("gcc-c", 1);
        String name = text("SELECT name FROM cached_contents");
        sandbox.reset();

        // a new instance of the cache (a restart, a second service) knows nothing but the database
        GeminiContextCache restarted = new GeminiContextCache(db, bean("providers", Providers.class),
                new TokenEstimator(), new GeminiContextCache.Settings(Duration.ofHours(1), 50, Map.of()),
                Clock.systemUTC());
        BatchRequest request = bean("requestRenderer", RequestRenderer.class).render(1, 1, "news-classification",
                "classify", MODEL, "/v1/chat/completions", JSON.readTree("{\"id\":\"x\",\"title\":\"t\",\"contents\":\"c\"}"));
        assertThat(restarted.use("gemini", request).cachedContent()).isEqualTo(name);
        assertThat(creates()).isEmpty();
    }

    @Test
    void anExpiredCacheIsReplacedAndOneGeminiNoLongerHasIsReplacedAndTheCallMadeAgain() throws Exception {
        realtimeJob("gcc-d", 1);
        String first = text("SELECT name FROM cached_contents");

        db.useHandle(h -> h.execute("UPDATE cached_contents SET expires_at = now() + interval '30 seconds'"));
        sandbox.reset();
        realtimeJob("gcc-e", 1);
        assertThat(creates()).as("a cache about to expire is not named").hasSize(1);
        String second = text("SELECT name FROM cached_contents");
        assertThat(second).isNotEqualTo(first);
        assertCallsName(second, 1);

        db.useHandle(h -> h.execute("UPDATE cached_contents SET name = 'cachedContents/deletedmeanwhile'"));
        sandbox.reset();
        long job = realtimeJob("gcc-f", 1);
        List<ReceivedRequest> calls = generateCalls();
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).status()).isEqualTo(404);
        assertThat(JSON.readTree(calls.get(0).body()).path("cachedContent").asText())
                .isEqualTo("cachedContents/deletedmeanwhile");
        assertThat(creates()).hasSize(1);
        String third = text("SELECT name FROM cached_contents");
        assertThat(third).isNotIn(first, second, "cachedContents/deletedmeanwhile");
        assertThat(calls.get(1).status()).isEqualTo(200);
        assertThat(JSON.readTree(calls.get(1).body()).path("cachedContent").asText()).isEqualTo(third);
        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, "gcc-f-%");
    }

    private long realtimeJob(String prefix, int n) throws IOException {
        Path file = Files.createDirectories(work.resolve("files")).resolve(prefix + ".jsonl");
        Files.writeString(file, articles(prefix, n));
        long job = bean("fileIntake", FileIntake.class).accept(file, JobOptions.file("news-classification")
                .withOverrides("gemini", MODEL).withMode("realtime")).jobId();
        awaitFinished(job);
        assertThat(status(job)).isEqualTo("succeeded");
        return job;
    }

    private void assertCallsName(String name, int calls) throws IOException {
        List<ReceivedRequest> generate = generateCalls();
        assertThat(generate).hasSize(calls);
        for (ReceivedRequest call : generate) {
            JsonNode body = JSON.readTree(call.body());
            assertThat(body.path("cachedContent").asText()).isEqualTo(name);
            assertThat(body.has("systemInstruction")).isFalse();
        }
    }

    private List<ReceivedRequest> creates() {
        return sandbox.received().stream()
                .filter(r -> r.method().equals("POST") && r.path().equals("/v1beta/cachedContents")).toList();
    }

    private List<ReceivedRequest> generateCalls() {
        return sandbox.received().stream().filter(r -> r.path().endsWith(":generateContent")).toList();
    }

    private <T> T bean(String name, Class<T> type) {
        return template.getCamelContext().getRegistry().lookupByNameAndType(name, type);
    }
}
