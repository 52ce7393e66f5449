package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.store.JobReports;
import dev.batchpipe.support.PipelineTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The row cache end to end: topics answered once are served from it in a later job of another file, through the
 * ingest's writer (the same rows, lineage and job counts) and with no call; another model misses it, and so does a job
 * asked for without it. The tests build on each other's answers, so their order is stated.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RowCacheTest extends PipelineTest {

    private static final String TASK = "topic-enrichment";

    @Test
    @Order(1)
    void aSecondFileWithTheSameRowsIsServedFromTheCacheWithNoCall() throws Exception {
        long first = take("first.csv", topics(1, 10), JobOptions.file(TASK).withMode("realtime"));
        awaitFinished(first);
        assertThat(sent(first)).isEqualTo(10);
        assertThat(count("SELECT count(*) FROM row_cache WHERE task = ?", TASK)).isEqualTo(10);

        long callsBefore = sandbox.stats().openai().realtimeCalls();
        long batchesBefore = sandbox.stats().openai().batchesCreated();
        // the same rows in another file, taken in again (in batch mode this time): every request is answered at intake
        long second = take("second.csv", topics(1, 10), JobOptions.file(TASK).withForce(true));
        awaitFinished(second);

        assertThat(status(second)).isEqualTo("succeeded");
        assertThat(sandbox.stats().openai().realtimeCalls() - callsBefore).isZero();
        assertThat(sandbox.stats().openai().batchesCreated() - batchesBefore).isZero();
        assertThat(sent(second)).isZero();
        // the same rows, now written by the second job's requests, each result naming the answer it reused
        assertThat(count("SELECT count(*) FROM topic_enrichments t JOIN requests r ON r.id = t.request_id "
                + "WHERE r.job_id = ?", second)).isEqualTo(10);
        assertThat(count("""
                SELECT count(*) FROM results s JOIN requests r ON r.id = s.request_id
                JOIN requests o ON o.id = s.cached_from AND o.job_id = ?
                JOIN results a ON a.request_id = o.id AND a.answer = s.answer
                WHERE r.job_id = ? AND s.cost_usd = 0 AND s.input_tokens = 0""", first, second)).isEqualTo(10);
        assertThat(summary(second)).isEqualTo(new JobReports.AnswerSummary(10, 10, 0, 0, 1.0));
        assertThat(summary(first)).isEqualTo(new JobReports.AnswerSummary(10, 0, 10, 0, 1.0));
    }

    @Test
    @Order(2)
    void newRowsBesideKnownOnesAreAskedForAndTheSummarySaysWhich() throws Exception {
        long job = take("more.csv", topics(1, 15), JobOptions.file(TASK).withMode("realtime").withForce(true));
        awaitFinished(job);

        assertThat(sent(job)).isEqualTo(5);
        assertThat(summary(job)).isEqualTo(new JobReports.AnswerSummary(15, 10, 5, 0, 1.0));
        assertThat(count("SELECT count(*) FROM topic_enrichments")).isEqualTo(15);
    }

    @Test
    @Order(3)
    void anotherModelMissesTheCache() throws Exception {
        long job = take("other-model.csv", topics(1, 10), JobOptions.file(TASK).withMode("realtime").withForce(true)
                .withOverrides("openai", "gpt-4o"));
        awaitFinished(job);

        assertThat(sent(job)).isEqualTo(10);
        assertThat(summary(job).cacheHits()).isZero();
        // both models' answers are kept, each under its own version
        assertThat(count("SELECT count(DISTINCT template_version) FROM row_cache WHERE task = ?", TASK)).isEqualTo(2);
    }

    @Test
    @Order(4)
    void withoutTheCacheEveryRowIsAskedForAgain() throws Exception {
        long job = take("no-cache.csv", topics(1, 10), JobOptions.file(TASK).withMode("realtime").withForce(true)
                .withCache(false));
        awaitFinished(job);

        assertThat(sent(job)).isEqualTo(10);
        assertThat(summary(job)).isEqualTo(new JobReports.AnswerSummary(10, 0, 10, 0, 1.0));
        // the new answers are the ones the cache serves from now on
        assertThat(count("SELECT count(*) FROM row_cache c JOIN requests r ON r.id = c.request_id WHERE r.job_id = ?",
                job)).isEqualTo(10);
    }

    private long take(String name, String csv, JobOptions options) throws IOException {
        Path file = Files.createDirectories(work.resolve("files")).resolve(name);
        Files.writeString(file, csv);
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        long job = intake.accept(file, options).jobId();
        template.asyncSendBody("direct:pack", null);
        return job;
    }

    /** The job's requests sent to the provider (alone or in a micro-batch, realtime or in batches). */
    private long sent(long job) {
        return count("SELECT count(*) FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ?", job);
    }

    private JobReports.AnswerSummary summary(long job) {
        JobReports reports = template.getCamelContext().getRegistry().lookupByNameAndType("jobReports", JobReports.class);
        return reports.answerSummary(reports.job(job).orElseThrow());
    }

    /** Lines {@code from..to} of samples/topics.csv, with its header. */
    private static String topics(int from, int to) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("samples/topics.csv"));
        return lines.get(0) + "\n" + lines.subList(from, to + 1).stream().collect(Collectors.joining("\n")) + "\n";
    }
}
