package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.SandboxServer;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 1 GB input through {@code process} in a JVM with 256 MB of heap: the file is streamed, so memory does not follow
 * its size. The default run's file is mostly records too large to accept (they must be skipped without being held);
 * the {@code capacity} run's file is 1 GB of valid records, all taken in.
 */
class HugeFileTest {

    private static final long GB = 1L << 30;

    @TempDir
    Path dir;

    @Test
    void aGigabyteFileWithOversizedRecordsIsReadWithBoundedHeap() throws Exception {
        Path file = dir.resolve("huge.jsonl");
        int good = 0;
        int oversized = 0;
        byte[] bigLine = ("{\"id\":\"too-big\",\"title\":\"t\",\"contents\":\"" + "x".repeat(10 << 20) + "\"}\n")
                .getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            long written = 0;
            while (written < GB) {
                for (int i = 0; i < 20; i++) {
                    byte[] line = article("huge-" + (++good), 1).getBytes(StandardCharsets.UTF_8);
                    out.write(line);
                    written += line.length;
                }
                out.write(bigLine);
                written += bigLine.length;
                oversized++;
            }
        }
        assertThat(Files.size(file)).isGreaterThanOrEqualTo(GB);

        String url = TestDatabase.freshUrl();
        try (SandboxServer sandbox = SandboxServer.start(SandboxConfig.builder().speed(2000).build());
             BatchpipeProcess p = BatchpipeProcess.start(dir, List.of("-Xmx256m"), Map.of("BATCHPIPE_DB_URL", url,
                     "OPENAI_API_KEY", "sk-huge", "OPENAI_BASE_URL", sandbox.openAiBaseUrl()),
                     "process", file.toString(), "--task", "news-classification")) {
            assertThat(p.waitFor(Duration.ofMinutes(5))).as(p.output()).isEqualTo(4);
            assertThat(p.output()).contains(good + " new item(s)").contains(oversized + " line(s) rejected")
                    .doesNotContain("OutOfMemoryError");
        }
        Jdbi db = Jdbi.create(url);
        long tooLarge = db.withHandle(h -> h.createQuery("SELECT count(*) FROM input_errors WHERE reason = "
                + "'record larger than 8388608 bytes'").mapTo(Long.class).one());
        long submitted = db.withHandle(h -> h.createQuery("SELECT count(*) FROM requests WHERE state = 'batched'")
                .mapTo(Long.class).one());
        assertThat(tooLarge).isEqualTo(oversized);
        assertThat(submitted).as("every good line was submitted").isEqualTo(good);
        Files.delete(file);
    }

    @Test
    @Tag("capacity")
    void aGigabyteOfValidRecordsIsTakenInWithBoundedHeap() throws Exception {
        Path file = dir.resolve("valid.jsonl");
        int records = 0;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            long written = 0;
            while (written < GB) {
                byte[] line = article("valid-" + (++records), 40).getBytes(StandardCharsets.UTF_8);
                out.write(line);
                written += line.length;
            }
        }
        String url = TestDatabase.freshUrl();
        long started = System.nanoTime();
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, List.of("-Xmx256m", "-Xlog:gc:file=" + dir.resolve("gc.log")),
                Map.of("BATCHPIPE_DB_URL", url, "BATCHPIPE_PACK_INTERVAL_MS", "3600000", "BATCHPIPE_SANDBOX", "true"),
                "process", file.toString(), "--task", "news-classification")) {
            // taking in is what is measured here; packing 1 GB into batches is not (no provider is reached)
            assertThat(p.waitFor(Duration.ofMinutes(60))).as(p.output()).isIn(0, 4);
            assertThat(p.output()).contains(records + " new item(s)").doesNotContain("OutOfMemoryError");
        }
        System.out.printf("capacity: %d records (%d MB) taken in in %d s with -Xmx256m%n", records,
                Files.size(file) >> 20, (System.nanoTime() - started) / 1_000_000_000L);
    }

    private static String article(String id, int paragraphs) {
        return "{\"id\":\"" + id + "\",\"title\":\"Rates\",\"contents\":\""
                + "The central bank held rates as inflation stayed high; banks raised deposit rates. ".repeat(paragraphs)
                + "\"}\n";
    }
}
