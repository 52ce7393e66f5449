package dev.batchpipe.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.api.ApiReads;
import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.store.JobReports;
import dev.batchpipe.support.MovableClock;
import dev.batchpipe.support.PipelineTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.Configure;
import org.junit.jupiter.api.Test;

/**
 * A daily cap of 3 realtime requests for OpenAI: a job of 5 sends 3, pauses with the reason and when it ends (as
 * {@code status JOB} and the API's job show it), sends nothing more that day, and finishes by itself on the
 * (simulated) next day.
 */
class DailyCapTest extends PipelineTest {

    private final MovableClock clock = new MovableClock();

    /** The service's clock is this test's. */
    @Configure
    protected void moveTheClock(MainConfigurationProperties configuration) {
        clock.bindAsServiceClock(configuration);
    }

    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.openai.daily-requests", "3");
    }

    @Test
    void theCapPausesTheWorkUntilTheNextDay() throws Exception {
        Path file = Files.createDirectories(work.resolve("files")).resolve("capped.jsonl");
        Files.writeString(file, articles("cap", 5));
        var registry = template.getCamelContext().getRegistry();
        long job = registry.lookupByNameAndType("fileIntake", FileIntake.class)
                .accept(file, JobOptions.file("news-classification").withMode("realtime")).jobId();

        await().atMost(Duration.ofSeconds(30)).until(() ->
                count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'succeeded'", job) == 3);
        // nothing more is sent that day
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> sandbox.stats().openai().realtimeCalls() == 3);
        assertThat(status(job)).isEqualTo("active");
        JobReports.JobSummary summary = registry.lookupByNameAndType("jobReports", JobReports.class).job(job).orElseThrow();
        ApiReads.JobDetail shown = registry.lookupByNameAndType("apiReads", ApiReads.class).job(Long.toString(job));
        String tomorrow = LocalDate.now(clock.withZone(ZoneOffset.UTC)).plusDays(1).toString();
        assertThat(shown.held()).singleElement().satisfies(h -> {
            assertThat(h.requests()).isEqualTo(2);
            assertThat(h.reason()).isEqualTo("the daily cap of 3 realtime requests for openai/" + model(job)
                    + " is reached; they go on from " + tomorrow + " 00:00 UTC");
        });
        assertThat(summary.waiting()).isEqualTo(2);

        clock.advance(Duration.ofDays(1));

        awaitFinished(job);
        assertThat(status(job)).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job, "cap-%");
        assertThat(sandbox.stats().openai().realtimeCalls()).isEqualTo(5);
        assertThat(count("SELECT requests FROM daily_requests WHERE day = ?",
                LocalDate.now(clock.withZone(ZoneOffset.UTC)))).isEqualTo(2);
    }

    private String model(long job) {
        return text("SELECT DISTINCT model FROM requests WHERE job_id = ?", job);
    }
}
