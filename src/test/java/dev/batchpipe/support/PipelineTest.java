package dev.batchpipe.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.BatchpipeConfiguration;
import dev.batchpipe.FetchConfiguration;
import dev.batchpipe.OperatorConfiguration;
import dev.batchpipe.QuotaConfiguration;
import dev.batchpipe.RealtimeConfiguration;
import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.SandboxServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.camel.Produce;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * batchpipe's own Camel main configuration and routes, on a fresh PostgreSQL database, talking over HTTP to a sandbox
 * server started for the test class, configured as if it were each real provider (OpenAI, Anthropic, Gemini, Azure
 * OpenAI and an OpenAI-compatible vendor: base URL and API key). Timers run fast; the pack tick is left to the tests,
 * which trigger {@code direct:pack}, drop files in the inbox or {@link #process} them with a provider of their choice.
 */
@CamelMainTest(configurationClasses = {BatchpipeConfiguration.class, OperatorConfiguration.class,
        FetchConfiguration.class, RealtimeConfiguration.class,
        QuotaConfiguration.class}, properties = {
        "camel.server.enabled=false",
        "camel.management.enabled=false",
        "camel.main.routes-exclude-pattern=**/api*.camel.yaml,**/alerts.camel.yaml,**/metrics.camel.yaml",
        "batchpipe.poll.tick=100ms",
        "batchpipe.poll.first-interval=100ms",
        "batchpipe.poll.max-interval=300ms",
        "batchpipe.pack.interval-ms=3600000",
        "batchpipe.inbox.settle-time=100ms",
        "batchpipe.http-retry.base-delay=10ms",
        "batchpipe.http-retry.max-delay=200ms",
        "batchpipe.lease=10s",
        "batchpipe.quota.backoff=500ms"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class PipelineTest extends DatabaseTest {

    protected static final String OPENAI_KEY = "sk-test-batchpipe-0123456789abcdef";
    /** The OpenAI-compatible vendor's only model, which it is configured with. */
    protected static final String COMPATIBLE_MODEL = "vendor-model";

    protected SandboxServer sandbox;
    protected Path work;

    @Produce
    protected ProducerTemplate template;

    /** The sandbox a test class talks to; fast by default. */
    protected SandboxConfig sandboxConfig() {
        return SandboxConfig.builder().speed(2000).stageDelay(Duration.ofMillis(200)).tickInterval(Duration.ofMillis(20))
                .build();
    }

    /** Extra settings of a test class (e.g. lowered limits), as system properties for the class's context. */
    protected Map<String, String> settings() {
        return Map.of();
    }

    @BeforeAll
    void startSandbox() throws IOException {
        work = Files.createTempDirectory("batchpipe-pipeline");
        sandbox = SandboxServer.start(sandboxConfig());
        providerSettings().forEach(System::setProperty);
        System.setProperty("batchpipe.data-dir", work.resolve("data").toString());
        System.setProperty("batchpipe.inbox.dir", work.resolve("inbox").toString());
        settings().forEach(System::setProperty);
    }

    /** Every provider pointed at the test's sandbox with a key, so none falls back to the built-in one. */
    private Map<String, String> providerSettings() {
        return Map.ofEntries(
                Map.entry("batchpipe.openai.api-key", OPENAI_KEY),
                Map.entry("batchpipe.openai.base-url", sandbox.openAiBaseUrl()),
                Map.entry("batchpipe.anthropic.api-key", "sk-ant-test-batchpipe"),
                Map.entry("batchpipe.anthropic.base-url", sandbox.anthropicBaseUrl()),
                Map.entry("batchpipe.gemini.api-key", "AIza-test-batchpipe"),
                Map.entry("batchpipe.gemini.base-url", sandbox.geminiBaseUrl()),
                Map.entry("batchpipe.azure.api-key", "azure-test-batchpipe"),
                Map.entry("batchpipe.azure.endpoint", sandbox.baseUrl()),
                Map.entry("batchpipe.openai-compatible.base-url", sandbox.openAiBaseUrl()),
                Map.entry("batchpipe.openai-compatible.api-key", "vendor-test-batchpipe"),
                Map.entry("batchpipe.openai-compatible.default-model", COMPATIBLE_MODEL));
    }

    @AfterAll
    void stopSandbox() {
        sandbox.close();
        for (String key : List.of("batchpipe.data-dir", "batchpipe.inbox.dir")) {
            System.clearProperty(key);
        }
        providerSettings().keySet().forEach(System::clearProperty);
        settings().keySet().forEach(System::clearProperty);
    }

    /**
     * Takes a file in as the CLI's {@code process --provider P --model M} does and starts packing it (without waiting
     * for its submission, so a test can change faults meanwhile); returns the job. The provider sees exactly the
     * prompts it would see from the inbox.
     */
    protected long process(String task, String name, String content, String provider, String model) throws IOException {
        long job = takeIn(name, content, JobOptions.file(task).withOverrides(provider, model));
        template.asyncSendBody("direct:pack", null);
        return job;
    }

    /** The batches refused for quota with the very requests of an earlier refused one: what must never happen. */
    protected static long refusedTwiceUnchanged() {
        return count("""
                SELECT count(*) FROM (
                    SELECT ids FROM (
                        SELECT array_agg(s.request_id ORDER BY s.request_id) AS ids
                        FROM batches b JOIN request_submissions s ON s.batch_id = b.id
                        WHERE b.error LIKE 'token_limit_exceeded%' GROUP BY b.id) r
                    GROUP BY ids HAVING count(*) > 1) twice""");
    }

    /** OpenAI's enqueued-token limit for {@code model}, as learned from an earlier refusal that stated it. */
    protected static void quotaStatedByARefusal(String model, long quota) {
        db.useHandle(h -> h.createUpdate("INSERT INTO enqueued_quotas (provider, model, learned, learned_from) "
                + "VALUES ('openai', :m, :q, 'Limit: ' || :q || ' enqueued tokens')").bind("m", model).bind("q", quota)
                .execute());
    }

    /**
     * Takes a file in as a job of {@code task} and packs nothing (a file dropped in the inbox is packed at once), so a
     * test can set the provider up for the requests it now knows; returns the job.
     */
    protected long takeIn(String task, String name, String content) throws IOException {
        return takeIn(name, content, JobOptions.file(task));
    }

    private long takeIn(String name, String content, JobOptions options) throws IOException {
        Path file = Files.createDirectories(work.resolve("files")).resolve(name);
        Files.writeString(file, content);
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        return intake.accept(file, options).jobId();
    }

    protected Path inbox(String task) {
        return work.resolve("inbox").resolve(task);
    }

    /** Writes a file next to the inbox and moves it in, as a producer that finished writing would. */
    protected Path drop(String task, String name, String content) throws IOException {
        Path staging = Files.createDirectories(work.resolve("staging")).resolve(name);
        Files.writeString(staging, content);
        Path target = Files.createDirectories(inbox(task)).resolve(name);
        return Files.move(staging, target);
    }

    /** The job of an input file, once it has been taken in completely. */
    protected long awaitJobFor(Path file) {
        await().atMost(Duration.ofSeconds(30)).until(() -> count(
                "SELECT count(*) FROM jobs WHERE source = ? AND status <> 'receiving'", file.toString()) == 1);
        return db.withHandle(h -> h.createQuery("SELECT id FROM jobs WHERE source = :s").bind("s", file.toString())
                .mapTo(Long.class).one());
    }

    protected void awaitFinished(long jobId) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                count("SELECT count(*) FROM jobs WHERE id = ? AND status NOT IN ('receiving', 'active')", jobId) == 1);
    }

    protected String status(long jobId) {
        return db.withHandle(h -> h.createQuery("SELECT status FROM jobs WHERE id = :id").bind("id", jobId)
                .mapTo(String.class).one());
    }

    /**
     * Every item of the job whose source key matches {@code keys} (a LIKE pattern) ended with exactly one result or
     * one dead letter, and the task rows are exactly those of succeeded requests.
     */
    protected void assertExactlyOneOutcomePerItem(long job, String keys) {
        assertThat(count("""
                SELECT count(*) FROM items i JOIN requests r ON r.item_id = i.id
                WHERE i.job_id = ? AND i.source_key LIKE ?
                  AND (SELECT count(*) FROM results s WHERE s.request_id = r.id)
                    + (SELECT count(*) FROM dead_letters d WHERE d.request_id = r.id AND d.replayed_at IS NULL) <> 1""",
                job, keys)).isZero();
        assertThat(count("SELECT count(*) FROM news_classifications n JOIN requests r ON r.id = n.request_id "
                + "WHERE r.job_id = ? AND r.state <> 'succeeded'", job)).isZero();
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE ?", keys))
                .isEqualTo(count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'succeeded'", job));
    }

    /** JSON Lines of news articles with ids {@code prefix-1..n}. */
    public static String articles(String prefix, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("{\"id\":\"").append(prefix).append('-').append(i).append("\",\"title\":\"Bank ").append(i)
                    .append(" raises rates\",\"contents\":\"Istanbul Bank number ").append(i)
                    .append(" raised its lending rates on Monday as inflation stayed high. Shares of Garanti BBVA fell.\"}\n");
        }
        return sb.toString();
    }
}
