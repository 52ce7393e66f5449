package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.provider.AnthropicBatchProvider;
import dev.batchpipe.provider.BatchRequest;
import dev.batchpipe.provider.ProviderHttp;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.sandbox.Provider;
import dev.batchpipe.sandbox.ProviderFaults;
import dev.batchpipe.sandbox.SandboxStats;
import dev.batchpipe.support.PipelineTest;
import dev.batchpipe.task.TaskRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each provider's failure modes, injected by the sandbox, go through the same machinery as OpenAI's
 * ({@link ProviderFailuresTest}): every item ends with exactly one result or one dead letter, and only the request's
 * own failures consume attempts.
 */
class ProviderFailureModesTest extends PipelineTest {

    private static final String MODEL = COMPATIBLE_MODEL;

    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.pack.interval-ms", "300", "batchpipe.lease", "2s");
    }

    @BeforeEach
    void freshSandboxCounters() {
        sandbox.reset();
    }

    @AfterEach
    void noMoreFaults() {
        sandbox.faults().reset();
        // the sandbox's quota is gone, unlike a real account's: so is what batchpipe learned of it from refusals
        db.useHandle(h -> h.execute("DELETE FROM enqueued_quotas"));
    }

    /** Azure OpenAI speaks OpenAI's protocol: the sandbox's openai knobs and counters are its. */
    private static Provider protocol(String provider) {
        return provider.equals("azure") ? Provider.OPENAI : Provider.fromWireName(provider);
    }

    private ProviderFaults faults(String provider) {
        return sandbox.faults().of(protocol(provider));
    }

    private SandboxStats.ProviderStats stats(String provider) {
        return sandbox.stats().of(protocol(provider));
    }

    private static void awaitUntil(BooleanSupplier condition) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "gemini", "azure"})
    void expiredAndErroredLinesAreResubmittedWithoutConsumingAttempts(String provider) throws Exception {
        faults(provider).expireAfterFraction(0.5).lineErrorProbability(0.3);
        String keys = provider.substring(0, 2) + "lines";
        long job = process("news-classification", keys + ".jsonl", articles(keys, 16), provider, MODEL);
        awaitUntil(() -> stats(provider).linesExpired() > 0 && stats(provider).linesErrored() > 0);
        sandbox.faults().reset();
        awaitFinished(job);

        assertExactlyOneOutcomePerItem(job, keys + "-%");
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND attempts > 0", job)).isZero();
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND transient_failures > 0", job)).isPositive();
        // only requests the provider called invalid are dead letters, at once
        assertThat(count("SELECT count(*) FROM dead_letters WHERE job_id = ? AND reason NOT LIKE "
                + "'rejected by the provider as invalid%'", job)).isZero();
        // what finished in the expired batch was not sent again
        assertThat(count("SELECT count(*) FROM results s JOIN requests r ON r.id = s.request_id WHERE r.job_id = ? "
                + "AND s.batch_id = (SELECT min(s2.batch_id) FROM request_submissions s2 JOIN requests r2 "
                + "ON r2.id = s2.request_id WHERE r2.job_id = ?) AND r.submissions <> 1", job, job)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "gemini", "azure"})
    void aQuotaRefusalSendsRequestsBackWithoutConsumingAttempts(String provider) throws Exception {
        // Anthropic and Gemini answer create with 429; Azure, like OpenAI, fails the batch (token_limit_exceeded)
        faults(provider).enqueuedTokenLimit(MODEL, 500);
        String keys = provider.substring(0, 2) + "quota";
        long job = process("news-classification", keys + ".jsonl", articles(keys, 6), provider, MODEL);
        awaitUntil(() -> count("SELECT count(*) FROM requests WHERE job_id = ? AND last_error LIKE 'provider quota:%'",
                job) > 0);
        sandbox.faults().reset();
        awaitFinished(job);

        assertSucceededWithNoFailureCounted(job, keys);
        assertThat(count("SELECT count(*) FROM quota_ledger WHERE released_at IS NULL")).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "gemini", "azure"})
    void a429WithRetryAfterOnCreateAndServerErrorsOnStatusChecksAreRetried(String provider) throws Exception {
        faults(provider).target(paths(provider)[0]).rateLimitProbability(1).retryAfterSeconds(1);
        String keys = provider.substring(0, 2) + "calls";
        long job = process("news-classification", keys + ".jsonl", articles(keys, 8), provider, MODEL);
        awaitUntil(() -> stats(provider).rateLimited() > 0);
        // the create is retried after the Retry-After second; by then status checks fail instead
        faults(provider).rateLimitProbability(0).target(paths(provider)[1]).serverErrorProbability(1)
                .serverErrorStatus(provider.equals("anthropic") ? 529 : 503);
        awaitUntil(() -> stats(provider).serverErrors() > 0);
        sandbox.faults().reset();
        awaitFinished(job);

        assertSucceededWithNoFailureCounted(job, keys);
        assertThat(stats(provider).batchesCreated()).as("no batch was created twice").isEqualTo(batchesOf(job));
    }

    /** The provider's create call and its status check, as sandbox fault targets. */
    private static String[] paths(String provider) {
        return switch (provider) {
            case "anthropic" -> new String[] {"POST /v1/messages/batches", "GET /v1/messages/batches/[^/]+"};
            case "gemini" -> new String[] {"POST /v1beta/models/.*:batchGenerateContent", "GET /v1beta/batches/.*"};
            default -> new String[] {"POST /openai/batches", "GET /openai/batches/.*"};
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"anthropic", "gemini", "azure"})
    void aBatchWhoseCreateAnswerWasLostIsAdoptedNotCreatedAgain(String provider) throws Exception {
        faults(provider).lostResponseProbability(1).target(paths(provider)[0]);
        String keys = provider.substring(0, 2) + "lost";
        long job = process("news-classification", keys + ".jsonl", articles(keys, 5), provider, MODEL);
        awaitUntil(() -> stats(provider).dropped() > 0);
        sandbox.faults().reset();
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, keys + "-%");
        assertThat(batchesOf(job)).isEqualTo(1);
        assertThat(stats(provider).batchesCreated()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND submissions <> 1", job)).isZero();
    }

    /** Every item once, and no request was counted as failed, neither its own failure nor the provider's. */
    private void assertSucceededWithNoFailureCounted(long job, String keys) {
        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, keys + "-%");
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND (attempts > 0 OR transient_failures > 0)",
                job)).isZero();
    }

    /** Batches of the job that reached the provider. */
    private long batchesOf(long job) {
        return count("SELECT count(DISTINCT b.id) FROM batches b JOIN request_submissions s ON s.batch_id = b.id "
                + "JOIN requests r ON r.id = s.request_id WHERE r.job_id = ? AND b.provider_batch_id IS NOT NULL", job);
    }

    /**
     * Anthropic batches carry no tag, so a stranger's batch of the same size, created while ours was never made, is
     * adopted. Its lines carry another installation's custom ids: none is written, and our requests go out again.
     */
    @Test
    void aStrangersBatchAdoptedByMistakeAnswersNothingAndOurRequestsAreResubmitted() throws Exception {
        faults("anthropic").dropProbability(1).target(paths("anthropic")[0]);
        long job = process("news-classification", "stranger.jsonl", articles("anstr", 4), "anthropic", MODEL);
        awaitUntil(() -> stats("anthropic").dropped() > 0);
        sandbox.faults().reset();
        // before our submitter looks again (its lease is 2 s): a batch of four requests from elsewhere, whose custom
        // ids differ from ours only by the installation prefix, with answers that would pass our schema
        List<String> ours = db.withHandle(h -> h.createQuery("SELECT id, submissions FROM requests WHERE job_id = :j")
                .bind("j", job).map((rs, ctx) -> RequestRenderer.customId(rs.getLong(1), rs.getInt(2))).list());
        AnthropicBatchProvider stranger = new AnthropicBatchProvider(new AnthropicBatchProvider.Settings(
                sandbox::anthropicBaseUrl, () -> "sk-ant-stranger", "bp-ffffffffffff-", providers().get("anthropic")
                .limits()), new ProviderHttp(template));
        Path lines = Files.createTempFile(work, "stranger", ".jsonl");
        ObjectNode schema = registry("tasks", TaskRegistry.class).get("news-classification").request("classify")
                .answerSchema().strictSubset();
        for (String id : ours) {
            Files.write(lines, (new String(stranger.encode(new BatchRequest(id, MODEL, "/v1/chat/completions", "",
                    "Someone else's article about tulips.", 300, null, "classify", schema)), StandardCharsets.UTF_8)
                    + "\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        }
        String theirs = stranger.create(MODEL, "", null, lines, ours.size(), "theirs").id();
        awaitFinished(job);

        assertThat(text("SELECT provider_batch_id FROM batches b JOIN request_submissions s ON s.batch_id = b.id "
                + "JOIN requests r ON r.id = s.request_id WHERE r.job_id = ? AND s.submission = 1 LIMIT 1", job))
                .as("the stranger's batch was adopted").isEqualTo(theirs);
        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, "anstr-%");
        assertThat(count("SELECT count(*) FROM results s JOIN requests r ON r.id = s.request_id JOIN batches b "
                + "ON b.id = s.batch_id WHERE r.job_id = ? AND b.provider_batch_id = ?", job, theirs)).isZero();
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND submissions = 2 AND attempts = 0", job))
                .isEqualTo(4);
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'anstr-%' "
                + "AND summary_en ILIKE '%tulips%'")).isZero();
    }

    private Providers providers() {
        return registry("providers", Providers.class);
    }

    private <T> T registry(String name, Class<T> type) {
        return template.getCamelContext().getRegistry().lookupByNameAndType(name, type);
    }
}
