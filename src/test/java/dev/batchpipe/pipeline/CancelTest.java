package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.support.PipelineTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Cancelling a job mid-batch: the provider stops the batch, its finished lines are kept, the rest ends cancelled. */
class CancelTest extends PipelineTest {

    /** Slow enough that a batch of 40 answers a few lines before it is cancelled. */
    @Override
    protected SandboxConfig sandboxConfig() {
        return SandboxConfig.builder().speed(2000).tokensPerSecond(1).stageDelay(Duration.ofMillis(200))
                .tickInterval(Duration.ofMillis(20)).build();
    }

    @Test
    void aCancelledJobKeepsWhatFinishedAndCancelsTheRest() throws Exception {
        long job = process("news-classification", "cancel.jsonl", articles("c", 40), "openai", null);
        await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM batches WHERE state = 'submitted' AND completed_count > 0") > 0);
        Cancellation cancellation = template.getCamelContext().getRegistry()
                .lookupByNameAndType("cancellation", Cancellation.class);
        Cancellation.Cancelled c = cancellation.cancelJob(job);
        assertThat(c.batchesCancelling()).hasSize(1);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("cancelled");
        long succeeded = count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'succeeded'", job);
        long cancelled = count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'cancelled'", job);
        assertThat(succeeded).as("finished lines are kept").isPositive();
        assertThat(cancelled).as("the rest is cancelled").isPositive();
        assertThat(succeeded + cancelled).isEqualTo(40);
        assertThat(count("SELECT count(*) FROM news_classifications n JOIN requests r ON r.id = n.request_id "
                + "WHERE r.job_id = ?", job)).isEqualTo(succeeded);
        assertThat(count("SELECT count(*) FROM dead_letters WHERE job_id = ?", job)).as("not dead").isZero();
        assertThat(count("SELECT count(*) FROM batches WHERE provider_status = 'cancelled' AND state = 'ingested'"))
                .isEqualTo(1);
        // nothing goes out again for it
        template.sendBody("direct:pack", null);
        assertThat(count("SELECT count(*) FROM batches")).isEqualTo(1);
        assertThatRefused(cancellation, job);
    }

    private static void assertThatRefused(Cancellation cancellation, long job) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> cancellation.cancelJob(job))
                .isInstanceOf(Cancellation.Refused.class).hasMessageContaining("cancelled already");
    }
}
