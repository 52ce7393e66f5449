package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.TokenCounting;
import dev.batchpipe.support.PipelineTest;
import org.junit.jupiter.api.Test;

/**
 * A refusal repeated with nothing in flight halves the batch (issue #17): batchpipe knows the quota (a limit stated
 * before) but not yet the provider's factor, so its first batch, the whole quota by our count, is about twice it by
 * the sandbox's (which counts the request as sent, twice over). Nothing else is in flight: the model's batches are
 * halved (until one fits), and the job completes. The pack tick is an hour away in these tests, so each
 * packing after a refusal or a finish was started by that event.
 */
class QuotaHalvingTest extends PipelineTest {

    private static final String MODEL = "gpt-4o-mini";

    @Override
    protected SandboxConfig sandboxConfig() {
        return super.sandboxConfig().toBuilder().counting(new TokenCounting(2.0, true)).build();
    }

    /** One batch may take the whole quota: the first goes alone. */
    @Override
    protected java.util.Map<String, String> settings() {
        return java.util.Map.of("batchpipe.quota.max-batch-share", "1.0");
    }

    @Test
    void aBatchRefusedWithNothingInFlightIsHalvedAndTheJobCompletes() throws Exception {
        long job = takeIn("news-classification", "halved.jsonl", articles("halved", 30));
        long ours = count("SELECT sum(estimated_tokens) FROM requests WHERE job_id = ?", job);
        long quota = ours / 2;
        sandbox.faults().openAi().enqueuedTokenLimit(MODEL, quota);
        // the limit is known (stated by an earlier refusal), the factor is not
        quotaStatedByARefusal(MODEL, quota);

        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, "halved-%");
        long refused = count("SELECT min(id) FROM batches WHERE error LIKE 'token_limit_exceeded%'");
        assertThat(count("SELECT count(*) FROM batches WHERE id < ?", refused)).as("nothing else in flight").isZero();
        long refusedTokens = count("SELECT estimated_tokens FROM batches WHERE id = ?", refused);
        assertThat(refusedTokens).as("within the quota by our count").isLessThanOrEqualTo(quota);
        assertThat(count("SELECT estimated_tokens FROM batches WHERE id = (SELECT min(id) FROM batches WHERE id > ?)",
                refused)).as("the next batch is at most half the refused one").isLessThanOrEqualTo(refusedTokens / 2);
        assertThat(refusedTwiceUnchanged()).as("refused twice unchanged").isZero();
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND attempts > 0", job)).isZero();
    }
}
