package dev.batchpipe.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchpipe.pipeline.CachedAnswers;
import dev.batchpipe.pipeline.JobCompletion;
import dev.batchpipe.pipeline.RequestRenderer;
import dev.batchpipe.pipeline.RowCache;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.support.DatabaseTest;
import dev.batchpipe.task.TaskLoader;
import dev.batchpipe.task.TaskRegistry;
import dev.batchpipe.task.TokenEstimator;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The steps of the intake-file route, on a real database: one job per file, chunks committed once and in order. */
class FileJobsTest extends DatabaseTest {

    private static final String TASK = "news-classification";

    @TempDir
    Path dir;

    private JobWriter writer;
    private FileJobs fileJobs;

    @BeforeEach
    void steps() throws Exception {
        TaskRegistry tasks;
        try (InputStream in = Files.newInputStream(Path.of("tasks/news-classification.yaml"))) {
            tasks = new TaskRegistry(List.of(TaskLoader.load(in, "tasks/news-classification.yaml")));
        }
        // no provider override in these tests, so the request factory never asks for a default model
        writer = new JobWriter(Jdbi.create(dbUrl), new RequestFactory(new TokenEstimator(), new Providers(),
                new RequestRenderer(tasks, video -> {
                    throw new AssertionError("no videos here");
                })), 100);
        // an empty row cache: it answers nothing here, so no answer is ever written through an ingester
        fileJobs = new FileJobs(writer, tasks, new FileJobs.Settings(1 << 20, dir.resolve("errors")),
                new CachedAnswers(new RowCache(tasks, new Providers()), null), Jdbi.create(dbUrl), new JobCompletion(tasks));
    }

    @Test
    void aChunkIsCommittedOnceAndOnlyRightAfterTheLinesCommittedBeforeIt() throws Exception {
        FileJob job = fileJobs.open(write("four.jsonl", 4).toString(), JobOptions.file(TASK));
        List<InputRecord> records = read(job);

        fileJobs.commit(job, records.subList(0, 2));
        // the same chunk again (a replay): nothing is added
        writer.commit(job.getId(), job.task(), job.options(), 0, records.subList(0, 2),
                (h, c) -> { });
        assertThat(count("SELECT items_accepted FROM jobs WHERE id = ?", job.getId())).isEqualTo(2);
        // a chunk that skips line 3 (its chunk failed) is refused, and the job cannot be finished
        assertThatThrownBy(() -> writer.commit(job.getId(), job.task(), job.options(), 3, records.subList(3, 4),
                (h, c) -> { })).hasMessageContaining("does not follow");
        assertThatThrownBy(() -> writer.finish(job.getId(), 4)).hasMessageContaining("only those up to 2 committed");
        assertThat(text("SELECT status FROM jobs WHERE id = ?", job.getId())).isEqualTo("receiving");

        // read again, the file resumes after line 2
        FileJob resumed = fileJobs.open(job.file().toString(), JobOptions.file(TASK));
        assertThat(resumed.getId()).isEqualTo(job.getId());
        List<InputRecord> rest = read(resumed);
        assertThat(rest).extracting(InputRecord::line).containsExactly(3L, 4L);
        fileJobs.commit(resumed, rest);
        fileJobs.finish(resumed);
        assertThat(text("SELECT status FROM jobs WHERE id = ?", job.getId())).isEqualTo("active");
        assertThat(count("SELECT count(*) FROM items WHERE job_id = ?", job.getId())).isEqualTo(4);
    }

    @Test
    void aFileReadAgainUsesNoNewJobId() throws Exception {
        Path file = write("again.jsonl", 1);
        FileJob job = fileJobs.open(file.toString(), JobOptions.file(TASK));
        fileJobs.commit(job, read(job));
        fileJobs.finish(job);
        for (int i = 0; i < 3; i++) {
            FileJob again = fileJobs.open(file.toString(), JobOptions.file(TASK));
            assertThat(again.getId()).isEqualTo(job.getId());
            assertThat(again.isReceiving()).isFalse();
            assertThat(fileJobs.result(again).alreadyTakenIn()).isTrue();
        }
        FileJob next = fileJobs.open(write("other.jsonl", 1).toString(), JobOptions.file(TASK));
        assertThat(next.getId()).isEqualTo(job.getId() + 1);
    }

    @Test
    void aFileThatCannotBeOpenedIsRejectedOnceWithItsReason() throws Exception {
        Path fifo = dir.resolve("pipe.jsonl");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();

        FileJob job = fileJobs.open(fifo.toString(), JobOptions.file(TASK));
        FileJob again = fileJobs.open(fifo.toString(), JobOptions.file(TASK));

        assertThat(job.isReceiving()).isFalse();
        assertThat(again.getId()).isEqualTo(job.getId());
        IntakeResult result = fileJobs.result(job);
        assertThat(result.rejected()).isTrue();
        assertThat(result.error()).startsWith("not a regular file");
        assertThat(Files.readString(result.errorsFile()))
                .isEqualTo("{\"file\":\"pipe.jsonl\",\"reason\":\"" + result.error() + "\"}\n");
    }

    @Test
    void anUnknownTaskIsRejectedWithoutReadingTheFile() throws Exception {
        FileJob job = fileJobs.open(write("x.jsonl", 1).toString(), JobOptions.file("no-such-task"));
        assertThat(job.isReceiving()).isFalse();
        assertThat(fileJobs.result(job).error()).contains("no task named 'no-such-task'");
    }

    private List<InputRecord> read(FileJob job) throws Exception {
        List<InputRecord> records = new ArrayList<>();
        // chunks of 2, so a file of several chunks is read as the route reads it
        Iterator<List<InputRecord>> it = fileJobs.chunks(job, 2);
        it.forEachRemaining(chunk -> records.addAll(fileJobs.validate(job, chunk)));
        ((java.io.Closeable) it).close();
        return records;
    }

    private Path write(String name, int n) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("{\"id\":\"").append(name).append('-').append(i)
                    .append("\",\"title\":\"Rates\",\"contents\":\"The central bank held rates.\"}\n");
        }
        return Files.writeString(dir.resolve(name), sb);
    }
}
