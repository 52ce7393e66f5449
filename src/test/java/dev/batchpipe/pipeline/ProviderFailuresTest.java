package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.support.LogCapture;
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
        return Map.of("batchpipe.pack.interval-ms", "300", "batchpipe.lease", "2s", "batchpipe.http-retry.base-delay",
                "100ms");
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

    @Test
    void anIngestCutOffByAFailedDownloadGivesItsLeaseUpSaysSoOnceAndIsIngestedLater() throws Exception {
        // every attempt fails (retried batchpipe.http-retry.attempts times, 100 ms apart here)
        sandbox.faults().openAi().target("GET /v1/files/.*/content").serverErrorProbability(1.0);
        LogCapture capture = LogCapture.start("cut-off-ingest");
        Path file = drop("news-classification", "cut-off.jsonl", articles("cut", 5));
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        // the background error handler saw the failure, and the lease was given up (not left to run out: an expired
        // lease keeps its owner)
        await().atMost(Duration.ofSeconds(30)).until(() -> capture.text().contains("ingest: ")
                && count("SELECT count(*) FROM batches WHERE state = 'finished' AND lease_owner IS NULL") == 1);
        sandbox.faults().reset();
        awaitFinished(job);
        String said = capture.text();
        capture.close();

        assertExactlyOneOutcomePerItem(job, "cut-%");
        assertThat(said).as(said).contains("(retried on the next tick)").doesNotContain("\tat ");
    }

    @Test
    void anIngestTheDatabaseCutsOffSaysOnlyThatTheDatabaseWentEvenWhenTheLeaseCannotBeGivenUp() throws Exception {
        // as PostgreSQL shutting down says it, and only where the ingest writes: its rows, and giving its lease up
        db.useHandle(h -> h.execute("""
                CREATE FUNCTION outage() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'terminating connection due to administrator command' USING ERRCODE = '57P01'; END $$;
                CREATE TRIGGER results_outage BEFORE INSERT ON results FOR EACH STATEMENT EXECUTE FUNCTION outage();
                CREATE TRIGGER lease_outage BEFORE UPDATE ON batches FOR EACH ROW
                    WHEN (OLD.state = 'finished' AND OLD.lease_owner IS NOT NULL AND NEW.lease_owner IS NULL)
                    EXECUTE FUNCTION outage();
                """));
        LogCapture capture = LogCapture.start("outage-in-ingest");
        try {
            Path file = drop("news-classification", "outage.jsonl", articles("outage", 5));
            long job = awaitJobFor(file);
            template.sendBody("direct:pack", null);
            await().atMost(Duration.ofSeconds(30)).until(() -> capture.text().contains("The database is unreachable"));
            db.useHandle(h -> h.execute("DROP TRIGGER results_outage ON results; DROP TRIGGER lease_outage ON batches; "
                    + "DROP FUNCTION outage()"));
            // the lease ran out (2 s here), and the batch was taken over and ingested
            awaitFinished(job);
            assertExactlyOneOutcomePerItem(job, "outage-%");
        } finally {
            db.useHandle(h -> h.execute("DROP TRIGGER IF EXISTS results_outage ON results; "
                    + "DROP TRIGGER IF EXISTS lease_outage ON batches; DROP FUNCTION IF EXISTS outage()"));
        }
        String said = capture.text();
        capture.close();
        assertThat(said).as(said).doesNotContain("\tat ").doesNotContain("retried on the next tick");
    }
}
