package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.support.PipelineTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.BeanInject;
import org.junit.jupiter.api.Test;

/**
 * One job answered partly by a provider with a key (the test's sandbox server, which counts as real) and partly by the
 * built-in sandbox (Gemini without a key): lineage tells the two apart, and purge-synthetic removes exactly the second.
 */
class SyntheticPurgeTest extends PipelineTest {

    @BeanInject("syntheticPurge")
    SyntheticPurge purge;

    /** knowledge-extraction with its entities asked of Gemini, which has no key here and is left to the sandbox. */
    @Override
    protected Map<String, String> settings() {
        Path tasks = work.resolve("tasks");
        try {
            Files.createDirectories(tasks);
            String builtIn = new String(getClass().getResourceAsStream("/tasks/knowledge-extraction.yaml").readAllBytes());
            Files.writeString(tasks.resolve("knowledge-extraction.yaml"), builtIn.replace("  - name: entities\n",
                    "  - name: entities\n    provider: gemini\n    model: gemini-2.5-flash\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("batchpipe.tasks.dir", tasks.toString(),
                "batchpipe.gemini.api-key", "",
                // the database is external (a URL): the sandbox answers only what it is asked to
                "batchpipe.sandbox.providers", "gemini");
    }

    @Test
    void purgeRemovesExactlyTheSandboxRowsAndLeavesTheRealOnes() throws Exception {
        long job = process("knowledge-extraction", "groups.jsonl", groups(3), null, null);
        awaitFinished(job);
        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(text("SELECT string_agg(DISTINCT provider || ' synthetic=' || synthetic, ', ') FROM batches"))
                .isEqualTo("gemini synthetic=true, openai synthetic=false");
        assertThat(count("SELECT count(*) FROM synthetic_answers WHERE job_id = ?", job)).isEqualTo(3);
        long topics = count("SELECT count(*) FROM story_topics");
        long entities = count("SELECT count(*) FROM story_entities");
        assertThat(topics).isPositive();
        assertThat(entities).isPositive();

        assertThat(purge.purge("news-classification", false).requests()).as("another task's answers").isZero();
        SyntheticPurge.Outcome dry = purge.purge(null, true);
        assertThat(dry.deleted()).extracting(SyntheticPurge.Deleted::table, SyntheticPurge.Deleted::rows)
                .containsExactlyInAnyOrder(tuple("story_topics", 0L), tuple("story_entities", entities),
                        tuple("news_classifications", 0L), tuple("topic_enrichments", 0L), tuple("article_embeddings", 0L),
                        tuple("fashion_image_analyses", 0L), tuple("results", 3L), tuple("row_cache", 3L));
        assertThat(dry.requests()).isEqualTo(3);
        assertThat(dry.jobs()).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM story_entities")).as("a dry run changes nothing").isEqualTo(entities);
        assertThat(count("SELECT count(*) FROM results")).isEqualTo(6);
        assertThat(status(job)).isEqualTo("succeeded");

        SyntheticPurge.Outcome done = purge.purge("knowledge-extraction", false);
        assertThat(done.deleted()).extracting(SyntheticPurge.Deleted::table, SyntheticPurge.Deleted::rows)
                .containsExactly(tuple("story_topics", 0L), tuple("story_entities", entities), tuple("results", 3L),
                        tuple("row_cache", 3L));
        assertThat(count("SELECT count(*) FROM row_cache WHERE synthetic")).as("never served again").isZero();
        assertThat(count("SELECT count(*) FROM story_entities")).isZero();
        assertThat(count("SELECT count(*) FROM story_topics")).as("the real answers' rows stay").isEqualTo(topics);
        assertThat(count("SELECT count(*) FROM results s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.template = 'topics'")).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM results")).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM requests WHERE template = 'entities' AND state = 'pending' "
                + "AND batch_id IS NULL AND attempts = 0")).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM requests WHERE template = 'topics' AND state = 'succeeded'")).isEqualTo(3);
        assertThat(status(job)).as("open until its requests are answered again").isEqualTo("active");
        assertThat(purge.purge(null, false).requests()).as("nothing left to purge").isZero();

        // packed again like any pending request (here the sandbox may still answer Gemini, so it does)
        template.sendBody("direct:pack", null);
        awaitFinished(job);
        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(count("SELECT count(*) FROM story_entities")).isPositive();
        assertThat(count("SELECT count(*) FROM synthetic_answers WHERE job_id = ?", job)).isEqualTo(3);

        // taken in again: the row cache answers every request, and its hits of sandbox answers are synthetic too
        Path again = Files.createDirectories(work.resolve("files")).resolve("again.jsonl");
        Files.writeString(again, groups(3));
        long forced = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class)
                .accept(again, JobOptions.file("knowledge-extraction").withForce(true)).jobId();
        awaitFinished(forced);
        assertThat(count("SELECT count(*) FROM results s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ? AND s.cached_from IS NOT NULL", forced)).isEqualTo(6);
        assertThat(count("SELECT count(*) FROM synthetic_answers a JOIN requests r ON r.id = a.request_id "
                + "WHERE a.job_id = ? AND r.template = 'entities'", forced)).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM synthetic_answers WHERE job_id = ?", forced)).isEqualTo(3);
        assertThat(purge.purge(null, false).requests()).as("the synthetic hits are purged like any sandbox answer")
                .isEqualTo(6);
    }

    private static String groups(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("{\"id\":\"sg-").append(i).append("\",\"title\":\"Energy ").append(i).append("\",\"text\":\"")
                    .append("Shell and Equinor cut gas supply to Germany after maintenance at the Troll field, number ")
                    .append(i).append(".\"}\n");
        }
        return sb.toString();
    }
}
