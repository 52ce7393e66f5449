package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.intake.FileJob;
import dev.batchpipe.intake.FileJobs;
import dev.batchpipe.intake.InputRecord;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.support.PipelineTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed chunks of a file still being taken in are packed and answered before the file ends, each request
 * exactly once, and the job closes only once its last chunk is in.
 */
class PackDuringIntakeTest extends PipelineTest {

    @Test
    void aReceivingJobsCommittedChunkIsAnsweredOnceAndTheJobClosesAfterItsLastChunk() throws Exception {
        FileJobs fileJobs = template.getCamelContext().getRegistry().lookupByNameAndType("fileJobs", FileJobs.class);
        Path file = Files.createDirectories(work.resolve("files")).resolve("chunked.jsonl");
        Files.writeString(file, articles("ch", 8));
        FileJob job = fileJobs.open(file.toString(), JobOptions.file("news-classification"));
        List<InputRecord> records = new ArrayList<>();
        fileJobs.records(job).forEachRemaining(r -> records.add(fileJobs.validate(job, r)));

        fileJobs.commit(job, records.subList(0, 5));
        template.sendBody("direct:pack", null);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'succeeded'", job.getId()) == 5);
        assertThat(status(job.getId())).as("answered, but not yet received").isEqualTo("receiving");

        // packing again before the file ends takes nothing twice
        template.sendBody("direct:pack", null);
        fileJobs.commit(job, records.subList(5, 8));
        fileJobs.finish(job);
        template.sendBody("direct:pack", null);
        awaitFinished(job.getId());

        assertThat(status(job.getId())).isEqualTo("succeeded");
        assertExactlyOneOutcomePerItem(job.getId(), "ch-%");
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'ch-%'")).isEqualTo(8);
        assertThat(count("SELECT count(*) FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                + "WHERE r.job_id = ?", job.getId())).as("each request batched once").isEqualTo(8);
        assertThat(sandbox.stats().openai().duplicateCustomIds()).isZero();
    }
}
