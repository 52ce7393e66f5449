package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.support.PipelineTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The shipped topic-enrichment task: samples/topics.csv ends as one row per topic, twenty topics per prompt
 * (rows_per_request: 20), so its 150 topics take 8 calls.
 */
class TopicEnrichmentTest extends PipelineTest {

    @Test
    void theSampleFileBecomesOneRowPerTopicInEightRealtimeCalls() throws Exception {
        long callsBefore = sandbox.stats().openai().realtimeCalls();
        Path file = Files.createDirectories(work.resolve("files")).resolve("topics.csv");
        Files.copy(Path.of("samples/topics.csv"), file);
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        long job = intake.accept(file, JobOptions.file("topic-enrichment").withMode("realtime")).jobId();
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(sandbox.stats().openai().realtimeCalls() - callsBefore).isEqualTo(8);
        assertThat(count("SELECT count(*) FROM topic_enrichments")).isEqualTo(150);
        assertThat(count("SELECT count(*) FROM topic_enrichments WHERE challenge NOT IN ('practice', 'expert') "
                + "OR array_length(regexp_split_to_array(btrim(tldr), '\\s+'), 1) > 12")).isZero();
        assertThat(text("SELECT topic_id FROM topic_enrichments ORDER BY topic_id LIMIT 1")).isEqualTo("topic-001");
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'succeeded'", job)).isEqualTo(150);
        // each topic's row is its own request's, answered once; the 150 requests went in 8 micro-batches
        assertThat(count("SELECT count(*) FROM topic_enrichments t JOIN requests r ON r.id = t.request_id "
                + "WHERE r.job_id = ?", job)).isEqualTo(150);
        assertThat(count("SELECT count(DISTINCT s.group_id) FROM request_submissions s JOIN requests r "
                + "ON r.id = s.request_id WHERE r.job_id = ?", job)).isEqualTo(8);
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND (attempts > 0 OR alone)", job)).isZero();
    }
}
