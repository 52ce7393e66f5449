package dev.batchpipe.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.support.PipelineTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * 429s on realtime calls (a third of them, Retry-After 1 s): the limits in force are lowered (and grow back only
 * slowly here), no request spends an attempt on them, and every item is done once.
 */
class RealtimeBackoffTest extends PipelineTest {

    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.openai.rpm", "600", "batchpipe.realtime.limit-period", "1s",
                "batchpipe.realtime.aimd.increase", "0.001", "batchpipe.realtime.aimd.cooldown", "100ms");
    }

    @Test
    void a429LowersTheRateAndConsumesNoAttempt() throws Exception {
        sandbox.faults().openAi().target(".*chat/completions").rateLimitProbability(0.3).retryAfterSeconds(1);
        Path file = Files.createDirectories(work.resolve("files")).resolve("backoff.jsonl");
        Files.writeString(file, articles("aimd", 12));
        var registry = template.getCamelContext().getRegistry();
        long job = registry.lookupByNameAndType("fileIntake", FileIntake.class)
                .accept(file, JobOptions.file("news-classification").withMode("realtime")).jobId();

        awaitFinished(job);
        sandbox.faults().openAi().rateLimitProbability(0);

        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, "aimd-%");
        long refused = sandbox.stats().openai().rateLimited();
        assertThat(refused).isPositive();
        // the refused calls never reached the endpoint; each answered one was made once
        assertThat(sandbox.stats().openai().realtimeCalls()).isEqualTo(12);
        assertThat(count("SELECT coalesce(sum(attempts), 0) FROM requests WHERE job_id = ?", job)).isZero();
        String model = text("SELECT DISTINCT model FROM requests WHERE job_id = ?", job);
        assertThat(registry.lookupByNameAndType("rateLimiter", RateLimiter.class).limit("openai", model, "rpm"))
                .isLessThan(600);
    }
}
