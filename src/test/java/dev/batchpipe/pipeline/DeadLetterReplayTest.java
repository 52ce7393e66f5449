package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.store.JobReports;
import dev.batchpipe.support.PipelineTest;
import java.nio.file.Path;
import org.apache.camel.BeanInject;
import org.junit.jupiter.api.Test;

/** Dead letters are listed with their reason and, once the cause is gone, replayed to success. */
class DeadLetterReplayTest extends PipelineTest {

    @BeanInject("deadLetters")
    DeadLetters deadLetters;

    @BeanInject("jobReports")
    JobReports reports;

    @Test
    void deadLettersAreListedAndAReplayAfterTheFixSucceeds() throws Exception {
        sandbox.faults().openAi().invalidAnswerFraction(1.0);
        Path file = drop("news-classification", "replay.jsonl", articles("rp", 3));
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        awaitFinished(job);
        assertThat(status(job)).isEqualTo("partial");
        assertThat(reports.job(job).orElseThrow()).satisfies(j -> {
            assertThat(j.dead()).isEqualTo(3);
            assertThat(j.succeeded()).isZero();
        });
        assertThat(count("SELECT count(*) FROM job_totals WHERE job_id = ? AND dead = 3", job))
                .as("a closed job's counts are frozen as it closes").isEqualTo(1);

        var listed = deadLetters.list(new DeadLetters.Selection("news-classification", job, null), 10);
        assertThat(listed).hasSize(3).allSatisfy(e -> {
            assertThat(e.reason()).startsWith("failed 3 attempt(s); last: answer does not match the schema");
            assertThat(e.item()).startsWith("rp-");
            assertThat(e.attempts()).isEqualTo(3);
        });
        assertThat(deadLetters.list(new DeadLetters.Selection("knowledge-extraction", null, null), 10)).isEmpty();

        sandbox.faults().reset();
        assertThat(deadLetters.replay(new DeadLetters.Selection(null, job, null))).isEqualTo(3);
        assertThat(status(job)).isEqualTo("active");
        assertThat(count("SELECT count(*) FROM job_totals WHERE job_id = ?", job)).as("reopened: counted live").isZero();
        assertThat(reports.job(job).orElseThrow()).satisfies(j -> {
            assertThat(j.waiting()).isEqualTo(3);
            assertThat(j.dead()).isZero();
        });
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(reports.job(job).orElseThrow()).satisfies(j -> {
            assertThat(j.succeeded()).isEqualTo(3);
            assertThat(j.dead()).isZero();
            assertThat(j.requests()).isEqualTo(3);
        });
        assertThat(count("SELECT count(*) FROM job_totals WHERE job_id = ? AND succeeded = 3", job)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'rp-%'")).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM dead_letters WHERE job_id = ? AND replayed_at IS NOT NULL", job)).isEqualTo(3);
        assertThat(deadLetters.list(new DeadLetters.Selection(null, job, null), 10)).isEmpty();
        assertThat(deadLetters.replay(new DeadLetters.Selection(null, job, null))).as("nothing left to replay").isZero();
    }
}
