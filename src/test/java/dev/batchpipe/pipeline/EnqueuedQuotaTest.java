package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.TokenCounting;
import dev.batchpipe.support.PipelineTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The enqueued-token quota as the provider counts it (issue #17): the sandbox counts the whole request as sent, twice
 * over, and enforces a quota of about a quarter of the job; batchpipe has no quota configured. It learns the limit from
 * the first refusal, never sends a refused batch again unchanged, learns the provider's count from the usage, and the
 * job completes with every row written once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EnqueuedQuotaTest extends PipelineTest {

    private static final String MODEL = "gpt-4o-mini";

    @Override
    protected SandboxConfig sandboxConfig() {
        return super.sandboxConfig().toBuilder().counting(new TokenCounting(2.0, true)).build();
    }

    @Test
    @Order(1)
    void aJobTheProviderCountsTwiceAsLargeCompletesUnderTheQuotaItLearnsFromTheRefusal() throws Exception {
        long job = takeIn("news-classification", "twice.jsonl", articles("twice", 40));
        long ours = count("SELECT sum(estimated_tokens) FROM requests WHERE job_id = ?", job);
        long limit = ours / 2; // the provider counts about twice ours: a quarter of the job
        sandbox.faults().openAi().enqueuedTokenLimit(MODEL, limit);
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, "twice-%");
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'twice-%'")).isEqualTo(40);
        assertThat(sandbox.stats().openai().duplicateCustomIds()).isZero();
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND (attempts > 0 OR transient_failures > 0)",
                job)).as("quota refusals consume no attempts").isZero();
        // learned from the refusal's message, once
        assertThat(count("SELECT learned FROM enqueued_quotas WHERE provider = 'openai' AND model = ?", MODEL))
                .isEqualTo(limit);
        assertThat(text("SELECT learned_from FROM enqueued_quotas WHERE model = ?", MODEL))
                .contains("Enqueued token limit reached");
        long refused = count("SELECT count(*) FROM batches WHERE error LIKE 'token_limit_exceeded%'");
        assertThat(refused).as("the first, unaware of the quota, was refused").isPositive();
        // no batch was refused twice with the same requests
        assertThat(refusedTwiceUnchanged()).as("refused twice unchanged").isZero();
        // the provider's count of every accepted batch stayed within the limit
        assertThat(count("SELECT count(*) FROM batches WHERE provider_tokens > ?", limit)).isZero();
        assertThat(factor()).isBetween(1.5, 3.0);
        assertThat(count("SELECT count(*) FROM quota_ledger WHERE released_at IS NULL")).isZero();
    }

    /** Reads what the first test's job left in PostgreSQL: the factor it learned. */
    @Test
    @Order(2)
    void theLearnedFactorIsInPostgresSoAnInstanceStartedLaterPacksWithIt() throws Exception {
        double factor = factor();
        // a packing of an instance that knows nothing in memory: a new bean on the same database
        long job = takeIn("news-classification", "later.jsonl", articles("later", 10));
        PendingRequests fresh = new PendingRequests(db, p -> Optional.of(new dev.batchpipe.provider.ProviderLimits(
                50_000, 200_000_000, Map.of(), 0, 0)), List.of(), 1.05);
        try (PendingRequests.Stream due = fresh.open()) {
            PendingRequest r = due.next();
            int ours = (int) count("SELECT estimated_tokens FROM requests WHERE id = ?", r.id());
            assertThat(r.tokens()).isEqualTo((int) Math.ceil(ours * factor * 1.05));
        }
        long refusedBefore = count("SELECT count(*) FROM batches WHERE error LIKE 'token_limit_exceeded%'");
        template.sendBody("direct:pack", null);
        awaitFinished(job);
        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(count("SELECT count(*) FROM batches WHERE error LIKE 'token_limit_exceeded%'"))
                .as("packed with the factor and the learned limit from the start: nothing refused")
                .isEqualTo(refusedBefore);
    }

    private static double factor() {
        return Double.parseDouble(text("SELECT (provider_tokens / our_tokens)::text FROM token_calibration "
                + "WHERE provider = 'openai' AND model = ?", MODEL));
    }
}
