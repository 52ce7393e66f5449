package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch's file is the one packing wrote: renamed into place, and never rendered again while it exists. */
class BatchFilesTest {

    @TempDir
    Path dir;

    // no database and no providers: a file that exists must not need them
    private BatchFiles files() {
        return new BatchFiles(dir, null, null, null, new dev.batchpipe.image.ImageSpool(dir.resolve("images")));
    }

    @Test
    void theFileWrittenAsideBecomesTheBatchesFileAndIsUsedAsItIs() throws Exception {
        BatchFiles files = files();
        BatchFiles.Writer w = files.open();
        w.write("{\"a\":1}".getBytes());
        files.commit(w, 7);

        assertThat(Files.exists(w.path())).isFalse();
        Path file = files.ensure(new SubmitBatch(7, "openai", "m", "/v1/chat/completions", "packed", null, 1,
                Instant.now()));
        assertThat(file).isEqualTo(dir.resolve("batch-7.jsonl"));
        assertThat(Files.readString(file)).isEqualTo("{\"a\":1}\n");
    }

    @Test
    void aFileWhoseBatchWasNotRecordedIsDiscarded() {
        BatchFiles files = files();
        BatchFiles.Writer w = files.open();
        w.write("x".getBytes());
        files.discard(w);
        assertThat(dir).isEmptyDirectory();
    }
}
