package dev.batchpipe.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.support.PipelineTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A sandbox limit far below what the callers could send (16 at once, 10 requests per simulated minute of one
 * second): every item is done, none lost, and the limiter kept the calls under the limit, so the sandbox refused (next to) none.
 */
class RealtimeRateLimitTest extends PipelineTest {

    @Override
    protected SandboxConfig sandboxConfig() {
        return SandboxConfig.builder().speed(60).stageDelay(Duration.ofMillis(200)).tickInterval(Duration.ofMillis(20))
                .build();
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.openai.rpm", "10", "batchpipe.realtime.limit-period", "1s");
    }

    @Test
    void everyItemIsDoneUnderTheLimitWithoutA429() throws Exception {
        sandbox.faults().openAi().realtimeRequestsPerMinute(10);
        Path file = Files.createDirectories(work.resolve("files")).resolve("limited.jsonl");
        Files.writeString(file, articles("lim", 30));
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        long job = intake.accept(file, JobOptions.file("news-classification").withMode("realtime")).jobId();

        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, "lim-%");
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'lim-%'")).isEqualTo(30);
        // unthrottled, 16 callers would meet a 429 on most calls of every simulated minute; a call's first connection
        // can delay its arrival into the next minute, so one or two may still meet one (recovered, never lost)
        long refused = sandbox.stats().openai().rateLimited();
        assertThat(refused).isLessThanOrEqualTo(2);
        assertThat(sandbox.stats().openai().realtimeCalls()).isEqualTo(30 + refused);
    }
}
