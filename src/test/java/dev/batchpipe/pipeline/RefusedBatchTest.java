package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.support.PipelineTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A create call the provider refuses as invalid input (HTTP 400) goes through the submit route's refusal choice: the
 * batch is abandoned and each request's own attempt is consumed, so a batch that can never be accepted ends in dead
 * letters with the provider's reason instead of being resubmitted unchanged.
 */
class RefusedBatchTest extends PipelineTest {

    /** The sandbox's Anthropic takes at most 2 requests per batch; batchpipe is told it may send 10. */
    @Override
    protected SandboxConfig sandboxConfig() {
        return SandboxConfig.builder().speed(2000).stageDelay(Duration.ofMillis(200)).tickInterval(Duration.ofMillis(20))
                .anthropicMaxRequests(2).build();
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.anthropic.max-requests-per-batch", "10", "batchpipe.max-attempts", "2");
    }

    @Test
    void aBatchRefusedAsInvalidConsumesAttemptsAndEndsInDeadLetters() throws Exception {
        long job = process("news-classification", "refused.jsonl", articles("rf", 3), "anthropic", null);

        // the refused requests wait for the next pack tick (an hour in these tests): tick by hand until the job ends
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            template.sendBody("direct:pack", null);
            return count("SELECT count(*) FROM jobs WHERE id = ? AND status NOT IN ('receiving', 'active')", job) == 1;
        });

        assertThat(count("SELECT count(*) FROM dead_letters WHERE job_id = ? AND reason LIKE 'failed 2 attempt(s); last: batch refused by anthropic%'",
                job)).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'dead' AND attempts = 2", job))
                .isEqualTo(3);
        assertThat(count("SELECT count(*) FROM batches WHERE provider = 'anthropic' AND provider_batch_id IS NULL "
                + "AND state = 'abandoned'")).as("each refused batch abandoned, none sent twice").isEqualTo(2);
    }
}
