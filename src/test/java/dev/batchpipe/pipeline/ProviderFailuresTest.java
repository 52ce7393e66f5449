package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.support.PipelineTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What providers do wrong, injected by the sandbox: the pipeline ends every item with exactly one result or one dead
 * letter, and only the request's own failures consume attempts.
 */
class ProviderFailuresTest extends PipelineTest {

    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.pack.interval-ms", "300", "batchpipe.lease", "2s");
    }

    @AfterEach
    void noMoreFaults() {
        sandbox.faults().reset();
        // the sandbox's quota is gone, unlike a real account's: so is what batchpipe learned of it from refusals
        db.useHandle(h -> h.execute("DELETE FROM enqueued_quotas"));
    }

    @Test
    void anExpiredBatchKeepsItsFinishedLinesAndOnlyTheRestIsResubmitted() throws Exception {
        sandbox.faults().openAi().expireAfterFraction(0.5);
        Path file = drop("news-classification", "expiring.jsonl", articles("exp", 20));
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.stats().openai().linesExpired() > 0);
        sandbox.faults().reset();
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, "exp-%");
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND attempts > 0", job)).isZero();
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND transient_failures > 0", job)).isPositive();
        // what succeeded in the expired batch was never sent again
        long firstBatch = count("SELECT min(s.batch_id) FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ?", job);
        assertThat(count("SELECT count(*) FROM results s JOIN requests r ON r.id = s.request_id WHERE r.job_id = ? "
                + "AND s.batch_id = ? AND r.submissions <> 1", job, firstBatch)).isZero();
        assertThat(count("SELECT count(*) FROM results s JOIN requests r ON r.id = s.request_id WHERE r.job_id = ? "
                + "AND s.batch_id = ?", job, firstBatch)).isBetween(1L, 19L);
        assertThat(sandbox.stats().openai().duplicateCustomIds()).isZero();
    }

    @Test
    void aQuotaRefusalPutsRequestsBackWithoutConsumingAttempts() throws Exception {
        sandbox.faults().openAi().enqueuedTokenLimit("gpt-4o-mini", 500);
        Path file = drop("news-classification", "quota.jsonl", articles("quota", 10));
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                count("SELECT count(*) FROM batches WHERE error LIKE 'token_limit_exceeded%'") > 0);
        sandbox.faults().reset();
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, "quota-%");
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND (attempts > 0 OR transient_failures > 0)", job))
                .isZero();
        assertThat(count("SELECT count(*) FROM quota_ledger WHERE released_at IS NULL")).isZero();
    }

    @Test
    void lineErrorsAreRetriedAndRequestsTheProviderCallsInvalidAreDeadLettered() throws Exception {
        sandbox.faults().openAi().lineErrorProbability(0.4);
        Path file = drop("news-classification", "flaky.jsonl", articles("flaky", 20));
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.stats().openai().linesErrored() > 0);
        sandbox.faults().reset();
        awaitFinished(job);

        assertExactlyOneOutcomePerItem(job, "flaky-%");
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND attempts > 0", job)).isZero();
        assertThat(count("SELECT count(*) FROM dead_letters WHERE job_id = ? AND reason NOT LIKE 'rejected by the provider as invalid%'",
                job)).isZero();
        long dead = count("SELECT count(*) FROM dead_letters WHERE job_id = ?", job);
        assertThat(status(job)).isEqualTo(dead > 0 ? "partial" : "succeeded");
    }

    @Test
    void answersThatNeverMatchTheSchemaEndAsDeadLettersAfterTheAllowedAttempts() throws Exception {
        sandbox.faults().openAi().invalidAnswerFraction(1.0);
        Path file = drop("news-classification", "invalid.jsonl", articles("inv", 3));
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("partial");
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'dead' AND attempts = 3", job)).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM dead_letters WHERE job_id = ? AND reason LIKE "
                + "'failed 3 attempt(s); last: answer does not match the schema%'", job)).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'inv-%'")).isZero();
        // the rejected answers were billed by the provider, and their cost is counted
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND cost_usd > 0 AND output_tokens > 0", job))
                .isEqualTo(3);
    }

    @Test
    void rateLimitsAndDroppedConnectionsNeverCreateABatchTwice() throws Exception {
        long before = sandbox.stats().openai().batchesCreated();
        sandbox.faults().openAi().target("POST /v1/batches").rateLimitProbability(0.5).retryAfterSeconds(1);
        Path file = drop("news-classification", "limited.jsonl", articles("rl", 5));
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.stats().openai().rateLimited() > 0
                || count("SELECT count(*) FROM batches WHERE state = 'ingested' AND id IN (SELECT s.batch_id FROM "
                + "request_submissions s JOIN requests r ON r.id = s.request_id WHERE r.job_id = ?)", job) > 0);
        sandbox.faults().reset();
        sandbox.faults().openAi().target("POST /v1/batches").dropProbability(1.0);
        Path second = drop("news-classification", "dropped.jsonl", articles("drop", 5));
        long job2 = awaitJobFor(second);
        template.sendBody("direct:pack", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.stats().openai().dropped() > 0);
        sandbox.faults().reset();
        awaitFinished(job);
        awaitFinished(job2);

        assertExactlyOneOutcomePerItem(job, "rl-%");
        assertExactlyOneOutcomePerItem(job2, "drop-%");
        long ours = count("SELECT count(*) FROM batches WHERE provider_batch_id IS NOT NULL AND id IN (SELECT s.batch_id "
                + "FROM request_submissions s JOIN requests r ON r.id = s.request_id WHERE r.job_id IN (?, ?))", job, job2);
        assertThat(sandbox.stats().openai().batchesCreated() - before).isEqualTo(ours);
        assertThat(count("SELECT count(*) FROM requests WHERE job_id IN (?, ?) AND attempts > 0", job, job2)).isZero();
    }
}
