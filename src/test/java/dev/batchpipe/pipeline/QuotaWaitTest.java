package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.TokenCounting;
import dev.batchpipe.support.LogCapture;
import dev.batchpipe.support.PipelineTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A refusal while another batch is in flight waits until that batch finishes, and it is the finish that starts the
 * next packing, not a timer (issue #17). batchpipe knows the quota (stated by an earlier refusal) but not the
 * provider's factor; the sandbox counts the request as sent, twice over, and works slowly enough for a batch to be in
 * flight for seconds. Of the first packing's two batches, the larger (two thirds of the quota by our count, four thirds
 * by the provider's) is refused while the smaller runs. Its requests go into the first batch packed after the smaller
 * one finishes: not before, and soon after, with the pack tick an hour away.
 */
class QuotaWaitTest extends PipelineTest {

    private static final String MODEL = "gpt-4o-mini";

    /** A batch of a few requests takes seconds: 1,000 tokens a second, prompts and answer budgets. */
    @Override
    protected SandboxConfig sandboxConfig() {
        return super.sandboxConfig().toBuilder().speed(1).tokensPerSecond(1_000)
                .counting(new TokenCounting(2.0, true)).build();
    }

    @Test
    void aBatchRefusedWhileAnotherIsInFlightIsPackedAgainWhenThatOneFinishes() throws Exception {
        long job = takeIn("news-classification", "wait.jsonl", articles("wait", 12));
        long ours = count("SELECT sum(estimated_tokens) FROM requests WHERE job_id = ?", job);
        long quota = ours / 2;
        sandbox.faults().openAi().enqueuedTokenLimit(MODEL, quota);
        quotaStatedByARefusal(MODEL, quota);

        String said;
        try (LogCapture log = LogCapture.start("quota-wait")) {
            template.sendBody("direct:pack", null);
            awaitFinished(job);
            said = log.text();
        }

        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, "wait-%");
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'wait-%'")).isEqualTo(12);
        assertThat(sandbox.stats().openai().duplicateCustomIds()).isZero();
        long refused = count("SELECT min(id) FROM batches WHERE error LIKE 'token_limit_exceeded%'");
        // the batch that was in flight when the refusal came back: packed before it was known, and accepted
        String before = "FROM batches WHERE id <> " + refused + " AND created_at < (SELECT finished_at FROM batches "
                + "WHERE id = " + refused + ")";
        assertThat(count("SELECT count(*) " + before)).isEqualTo(1);
        long inFlight = count("SELECT id " + before);
        assertThat(said).as(said).contains("Batch " + refused + " refused by openai for quota")
                .contains("waiting for one of the batches in flight");
        assertThat(count("SELECT count(*) FROM results WHERE batch_id = ?", inFlight)).as("accepted").isPositive();

        long next = count("SELECT min(b.id) FROM batches b JOIN request_submissions s ON s.batch_id = b.id "
                + "JOIN request_submissions r ON r.request_id = s.request_id AND r.batch_id = ? WHERE b.id > ?",
                refused, Math.max(refused, inFlight));
        Duration after = Duration.ofMillis(count("SELECT (extract(epoch FROM n.created_at - f.finished_at) * 1000)::bigint "
                + "FROM batches n, batches f WHERE n.id = ? AND f.id = ?", next, inFlight));
        assertThat(after).as("packed again after the batch in flight finished, not before").isPositive()
                .as("at that finish, not at a tick").isLessThan(Duration.ofSeconds(10));
        assertThat(count("SELECT count(*) FROM batches WHERE id > ? AND id < ?", Math.max(refused, inFlight), next))
                .as("nothing packed while waiting").isZero();
        assertThat(refusedTwiceUnchanged()).as("refused twice unchanged").isZero();
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND attempts > 0", job)).isZero();

        // the refused batch's ingest ran once: one poll hands a finished batch to ingest, and the next poll tick does
        // not hand it on again while this instance holds it
        assertThat(occurrences(said, "Batch " + refused + " refused by openai for quota")).as(said).isEqualTo(1);
        assertThat(occurrences(said, "Batch " + refused + ": ")).as(said).isLessThanOrEqualTo(1);
    }

    private static int occurrences(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
