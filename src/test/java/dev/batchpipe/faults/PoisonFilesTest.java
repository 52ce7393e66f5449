package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that cannot be read as input, whatever their name, dropped in the inbox of a running service: each is rejected
 * once (one log line naming it and the reason, one job, moved to rejected/ with its errors file), and then left alone.
 */
class PoisonFilesTest {

    private static final String TASK = "news-classification";

    @TempDir
    Path dir;

    @Test
    void anUnreadableFileIsRejectedOnceWithOneLogLineAndOneJob() throws Exception {
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        int port = BatchpipeProcess.freePort();
        Path inbox = dir.resolve("inbox").resolve(TASK);
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", url, "BATCHPIPE_HTTP_PORT", "" + port,
                "BATCHPIPE_INBOX", dir.resolve("inbox").toString(), "BATCHPIPE_INBOX_SETTLE", "200ms",
                "BATCHPIPE_SANDBOX", "true");
        try (BatchpipeProcess service = BatchpipeProcess.start(dir, env, "run")) {
            service.awaitHttp200("http://127.0.0.1:" + port + "/observe/health", Duration.ofSeconds(90));

            drop(inbox, "x.bin", randomBytes(4096));
            byte[] zip = randomBytes(4096);
            System.arraycopy(new byte[] {'P', 'K', 3, 4}, 0, zip, 0, 4);
            drop(inbox, "scan.docx", zip);
            // a FIFO: the inbox entry that is not a file (opening it would block until someone writes). A regular file
            // that cannot be read is not poison but a fault to fix: it stays in the inbox (DiskFaultsTest)
            Path locked = inbox.resolve("locked.jsonl");
            assertThat(new ProcessBuilder("mkfifo", locked.toString()).start().waitFor()).isZero();
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));

            List<String> names = List.of("x.bin", "scan.docx", "locked.jsonl");
            await().atMost(Duration.ofSeconds(30)).until(() -> count(db, "SELECT count(*) FROM jobs") == 3
                    && names.stream().allMatch(n -> Files.notExists(inbox.resolve(n))));
            // ...and nothing more happens to them: no retries, no new jobs, no more lines
            await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(15)).until(() ->
                    count(db, "SELECT count(*) FROM jobs") == 3 && names.stream().allMatch(n -> lines(service, n) <= 1));

            assertThat(count(db, "SELECT max(id) FROM jobs")).as("no job id used up by a retry").isEqualTo(3);
            for (String name : names) {
                assertThat(lines(service, name)).as("log lines about " + name + ":\n" + service.output()).isEqualTo(1);
                long job = count(db, "SELECT id FROM jobs WHERE source = '" + inbox.resolve(name) + "'");
                assertThat(text(db, "SELECT status FROM jobs WHERE id = " + job)).isEqualTo("rejected");
                String reason = text(db, "SELECT error FROM jobs WHERE id = " + job);
                assertThat(service.output()).contains(TASK + "/" + name + ": rejected as job " + job + ": " + reason);
                assertThat(Files.exists(inbox.resolve("rejected/" + job + "-" + name), LinkOption.NOFOLLOW_LINKS)).isTrue();
                assertThat(Files.readString(inbox.resolve("rejected/" + job + "-" + name + ".errors.jsonl")))
                        .contains("\"file\":\"" + name + "\"");
            }
            assertThat(text(db, "SELECT error FROM jobs WHERE source LIKE '%locked.jsonl'"))
                    .contains("not a regular file");
            assertThat(service.output()).doesNotContain("Exception");
        }
    }

    @Test
    void processingRandomBytesNamesTheFileAndTheReasonAndExitsThree() throws Exception {
        Files.write(dir.resolve("x.bin"), randomBytes(4096));
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", TestDatabase.freshUrl(), "BATCHPIPE_SANDBOX", "true");
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "process", "x.bin", "--task", TASK)) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).as(p.output()).isEqualTo(3);
            assertThat(p.output()).containsPattern("x\\.bin was rejected \\(job 1\\): .*(UTF-8|JSON)")
                    .doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    private static void drop(Path inbox, String name, byte[] content) throws Exception {
        Path staging = Files.createDirectories(inbox.getParent().resolveSibling("staging")).resolve(name);
        Files.write(staging, content);
        Files.move(staging, Files.createDirectories(inbox).resolve(name));
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new Random(n).nextBytes(bytes);
        return bytes;
    }

    private static long lines(BatchpipeProcess p, String name) {
        return p.output().lines().filter(l -> l.contains(name)).count();
    }

    private static long count(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    private static String text(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(String.class).one());
    }
}
