package dev.batchpipe.pipeline;

import static org.awaitility.Awaitility.await;

import dev.batchpipe.sandbox.Provider;
import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.support.PipelineTest;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A provider's long Retry-After parks no thread: it becomes the batch's next attempt time in PostgreSQL. */
class RetryAfterTest extends PipelineTest {

    /**
     * A batch that stays in progress for minutes: at full speed it can finish between the test seeing it submitted and
     * installing the fault, and the 429 then lands on the ingest's download instead of a status check (seen in CI).
     */
    @Override
    protected SandboxConfig sandboxConfig() {
        return SandboxConfig.builder().tokensPerSecond(1).build();
    }

    @AfterEach
    void noMoreFaults() {
        sandbox.faults().reset();
    }

    @Test
    void aLongRetryAfterOnAStatusCheckBecomesTheBatchesNextPollTime() throws Exception {
        process("news-classification", "wait.jsonl", articles("wait", 3), "openai", "gpt-4o-mini");
        await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) FROM batches WHERE state = 'submitted'") == 1);
        sandbox.faults().of(Provider.OPENAI).target("GET /v1/batches/.*").rateLimitProbability(1).retryAfterSeconds(600);

        await().atMost(Duration.ofSeconds(30)).until(() -> sandbox.stats().openai().rateLimited() > 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> count("SELECT count(*) FROM batches WHERE state = 'submitted' "
                + "AND next_poll_at > now() + interval '500 seconds'") == 1);
    }
}
