package dev.batchpipe.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.sandbox.SandboxStats;
import dev.batchpipe.support.PipelineTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A job in realtime mode, end to end for every provider: its requests go to the sandbox's synchronous endpoints
 * (no batch is created), and their answers land in the same task rows as batch mode, once each, priced at the
 * realtime price.
 */
class RealtimeModeTest extends PipelineTest {

    @ParameterizedTest
    @CsvSource({"openai,", "anthropic,", "gemini,", "azure,", "openai-compatible," + COMPATIBLE_MODEL})
    void realtimeJobsWriteTheSameRowsThroughTheSynchronousEndpoints(String provider, String model) throws Exception {
        Function<SandboxStats, SandboxStats.ProviderStats> stats = s -> switch (provider) {
            case "anthropic" -> s.anthropic();
            case "gemini" -> s.gemini();
            default -> s.openai();
        };
        long callsBefore = stats.apply(sandbox.stats()).realtimeCalls();
        long batchesBefore = stats.apply(sandbox.stats()).batchesCreated();
        String prefix = "rt-" + provider;
        Path file = Files.createDirectories(work.resolve("files")).resolve(prefix + ".jsonl");
        Files.writeString(file, articles(prefix, 6));
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        long job = intake.accept(file, JobOptions.file("news-classification").withOverrides(provider, model)
                .withMode("realtime")).jobId();

        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, prefix + "-%");
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE ?", prefix + "-%")).isEqualTo(6);
        assertThat(count("SELECT count(*) FROM jobs WHERE id = ? AND mode = 'realtime'", job)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ? AND s.batch_id IS NOT NULL", job)).isZero();
        assertThat(count("SELECT count(*) FROM realtime_answers a JOIN requests r ON r.id = a.request_id "
                + "WHERE r.job_id = ?", job)).isEqualTo(6);
        assertThat(stats.apply(sandbox.stats()).realtimeCalls() - callsBefore).isEqualTo(6);
        assertThat(stats.apply(sandbox.stats()).batchesCreated() - batchesBefore).isZero();
    }
}
