package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.support.PipelineTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A provider that keeps a batch running past its deadline: batchpipe cancels it, keeps what it finished, and
 * resubmits only the rest, without consuming attempts.
 */
class StuckBatchTest extends PipelineTest {

    @Override
    protected SandboxConfig sandboxConfig() {
        // about 5,000 tokens a second: a batch of 20 articles needs several seconds
        return SandboxConfig.builder().speed(50).tokensPerSecond(100).stageDelay(Duration.ofMillis(500))
                .tickInterval(Duration.ofMillis(20)).build();
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.poll.max-running", "1500ms", "batchpipe.pack.interval-ms", "300");
    }

    @Test
    void aBatchRunningPastItsDeadlineIsCancelledAndOnlyItsRemainderResubmitted() throws Exception {
        Path file = drop("news-classification", "slow.jsonl", articles("slow", 20));
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(sandbox.stats().openai().linesCancelled()).as("the stuck batch was cancelled").isPositive();
        assertThat(count("SELECT count(*) FROM batches WHERE provider_status = 'cancelled'")).isPositive();
        long firstBatch = count("SELECT min(s.batch_id) FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ?", job);
        long keptFromFirst = count("SELECT count(*) FROM results WHERE batch_id = ?", firstBatch);
        assertThat(keptFromFirst).as("what the cancelled batch finished was kept").isBetween(1L, 19L);
        assertThat(count("SELECT count(*) FROM request_submissions s JOIN results r ON r.request_id = s.request_id "
                + "WHERE r.batch_id = ? AND s.batch_id <> ?", firstBatch, firstBatch))
                .as("what it finished was never sent again").isZero();
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND attempts > 0", job)).isZero();
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'slow-%'")).isEqualTo(20);
        assertThat(sandbox.stats().openai().duplicateCustomIds()).isZero();
    }
}
