package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.PipelineTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shipped topic-enrichment task: samples/topics.csv dropped in its inbox ends as one row per topic. */
class TopicEnrichmentTest extends PipelineTest {

    @Test
    void theSampleFileBecomesOneRowPerTopic() throws Exception {
        Path file = drop("topic-enrichment", "topics.csv", Files.readString(Path.of("samples/topics.csv")));
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(count("SELECT count(*) FROM topic_enrichments")).isEqualTo(150);
        assertThat(count("SELECT count(*) FROM topic_enrichments WHERE challenge NOT IN ('practice', 'expert') "
                + "OR array_length(regexp_split_to_array(btrim(tldr), '\\s+'), 1) > 12")).isZero();
        assertThat(text("SELECT topic_id FROM topic_enrichments ORDER BY topic_id LIMIT 1")).isEqualTo("topic-001");
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'succeeded'", job)).isEqualTo(150);
    }
}
