package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.support.PipelineTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Micro-batching end to end (topic-enrichment, rows_per_request: 20): answers are validated per id, and only the items
 * a micro-batch answer missed or broke are retried, each alone.
 */
class MicroBatchingTest extends PipelineTest {

    @AfterEach
    void noFaults() {
        sandbox.faults().openAi().reset();
    }

    /** The first {@code n} topics of the sample, with ids prefixed so that each test has its own. */
    private long topics(String prefix, int n, String mode) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("samples/topics.csv"));
        StringBuilder csv = new StringBuilder(lines.get(0)).append('\n');
        lines.subList(1, n + 1).forEach(l -> csv.append(prefix).append(l).append('\n'));
        Path file = Files.createDirectories(work.resolve("files")).resolve(prefix + "topics.csv");
        Files.writeString(file, csv);
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        return intake.accept(file, JobOptions.file("topic-enrichment").withMode(mode)).jobId();
    }

    @Test
    void aMicroBatchAnswerMissingTwoIdsWithOneInvalidRetriesExactlyThoseThreeAlone() throws Exception {
        sandbox.faults().openAi().groupMissingIds(2).groupInvalidIds(1);
        long callsBefore = sandbox.stats().openai().realtimeCalls();

        long job = topics("fallback-", 5, "realtime");
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(count("SELECT count(*) FROM topic_enrichments WHERE topic_id LIKE 'fallback-%'")).isEqualTo(5);
        // one micro-batch of five, then the three it missed or broke, each alone
        assertThat(sandbox.stats().openai().realtimeCalls() - callsBefore).isEqualTo(4);
        List<Long> ids = db.withHandle(h -> h.createQuery("SELECT id FROM requests WHERE job_id = :j ORDER BY id")
                .bind("j", job).mapTo(Long.class).list());
        List<Long> retried = db.withHandle(h -> h.createQuery("SELECT id FROM requests WHERE job_id = :j "
                + "AND alone AND attempts = 1 ORDER BY id").bind("j", job).mapTo(Long.class).list());
        assertThat(retried).containsExactlyElementsOf(ids.subList(0, 3));
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND NOT alone AND attempts = 0", job))
                .isEqualTo(2);
        // the three: their micro-batch submission, then one alone; the two: their micro-batch submission only
        assertThat(count("SELECT count(*) FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ? AND s.group_id IS NOT NULL", job)).isEqualTo(5);
        assertThat(count("SELECT count(*) FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ? AND s.group_id IS NULL AND r.alone", job)).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ?", job)).isEqualTo(8);
        assertThat(count("SELECT count(*) FROM dead_letters d JOIN requests r ON r.id = d.request_id "
                + "WHERE r.job_id = ?", job)).isZero();
    }

    @Test
    void microBatchesInBatchModeWriteTheSameRowsAsOneRequestPerItem() throws Exception {
        long linesBefore = sandbox.stats().openai().requestsReceived();

        long job = topics("batch-", 45, "batch");
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        // 45 items, 3 batch lines (20 + 20 + 5), one batch
        assertThat(sandbox.stats().openai().requestsReceived() - linesBefore).isEqualTo(3);
        assertThat(count("SELECT coalesce(sum(b.request_count), 0) FROM batches b WHERE b.id IN (SELECT s.batch_id "
                + "FROM request_submissions s JOIN requests r ON r.id = s.request_id WHERE r.job_id = ?)", job)).isEqualTo(3);
        assertThat(count("SELECT count(DISTINCT s.group_id) FROM request_submissions s JOIN requests r "
                + "ON r.id = s.request_id WHERE r.job_id = ? AND s.batch_id IS NOT NULL", job)).isEqualTo(3);
        // as with one request per item: each item's row is its own request's, with one result of the batch
        assertThat(count("SELECT count(*) FROM topic_enrichments t JOIN requests r ON r.id = t.request_id "
                + "JOIN items i ON i.id = r.item_id WHERE r.job_id = ? AND i.source_key = t.topic_id "
                + "AND r.state = 'succeeded'", job)).isEqualTo(45);
        assertThat(count("SELECT count(*) FROM results s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ? AND s.batch_id IS NOT NULL AND s.cost_usd > 0", job)).isEqualTo(45);
        assertThat(count("SELECT count(*) FROM topic_enrichments WHERE topic_id LIKE 'batch-%'")).isEqualTo(45);
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND (attempts > 0 OR alone)", job)).isZero();

        // a batch file lost before its upload is rebuilt group by group: the same lines the provider received
        long batch = count("SELECT max(s.batch_id) FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ?", job);
        String firstGroup = "\"custom_id\":\"g" + count("SELECT min(id) FROM requests WHERE job_id = ?", job) + "s1\"";
        List<String> uploaded = sandbox.received().stream()
                .filter(r -> r.method().equals("POST") && r.path().equals("/v1/files"))
                .map(r -> r.body()).filter(b -> b.contains(firstGroup)).reduce((a, b) -> b).orElseThrow()
                .lines().sorted().toList();
        BatchFiles files = template.getCamelContext().getRegistry().lookupByNameAndType("batchFiles", BatchFiles.class);
        db.useHandle(h -> h.execute("UPDATE requests SET state = 'batched' WHERE job_id = ?", job));
        try {
            Path rebuilt = files.ensure(new SubmitBatch(batch, "openai", "gpt-4o-mini", "/v1/chat/completions", "packed",
                    null, 3, java.time.Instant.now()));
            assertThat(Files.readAllLines(rebuilt).stream().sorted().toList()).hasSize(3).isEqualTo(uploaded);
        } finally {
            files.delete(batch);
            db.useHandle(h -> h.execute("UPDATE requests SET state = 'succeeded' WHERE job_id = ?", job));
        }
    }
}
