package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Disk and permission faults under a running service (a process of its own, on a real PostgreSQL and the built-in
 * sandbox over HTTP): an inbox file that cannot be read, a {@code done/} folder that cannot be written, a full data
 * disk. Each is said once, naming the file and the reason; the file stays where it is, nothing is lost or done twice,
 * the service keeps going, and once the fault is fixed the work goes through by itself.
 *
 * <p>Run as root (CI), the service is started without the two capabilities that let root read and write whatever the
 * permission bits say (setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH), so chmod means for it what it means
 * for any other user. The full disk is a 1 MB tmpfs holding the batch files and the inbox; mounting it needs root, so
 * that test is skipped, saying so, for other users.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DiskFaultsTest {

    private static final String TASK = "news-classification";

    private Path dir;
    private Path disk;
    private Path inbox;
    private boolean mounted;
    private Jdbi db;
    private BatchpipeProcess service;

    @BeforeAll
    void startTheService() throws Exception {
        dir = Files.createTempDirectory("batchpipe-disk-faults");
        disk = Files.createDirectories(dir.resolve("disk"));
        mounted = isRoot() && run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk.toString()) == 0;
        Path data = Files.createDirectories(dir.resolve("data"));
        // the data disk: where batch files are written before upload, and the inbox with its done/ folders
        Files.createSymbolicLink(data.resolve("batches"), Files.createDirectories(disk.resolve("batches")));
        inbox = Files.createDirectories(disk.resolve("inbox"));
        String url = TestDatabase.freshUrl();
        db = Jdbi.create(url);
        int port = BatchpipeProcess.freePort();
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", url, "BATCHPIPE_HTTP_PORT", "" + port,
                "BATCHPIPE_DATA_DIR", data.toString(), "BATCHPIPE_INBOX", inbox.toString(),
                "BATCHPIPE_INBOX_SETTLE", "200ms", "BATCHPIPE_SANDBOX", "true", "BATCHPIPE_PACK_INTERVAL_MS", "1000",
                "BATCHPIPE_POLL_FIRST_INTERVAL", "1s");
        List<String> launcher = isRoot()
                ? List.of("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--") : List.of();
        service = BatchpipeProcess.start(launcher, dir, List.of("-Xmx512m", "-Dbatchpipe.log.dir=" + dir.resolve("logs")),
                env, "run");
        service.awaitHttp200("http://127.0.0.1:" + port + "/observe/health", Duration.ofSeconds(90));
    }

    @AfterAll
    void stopTheService() throws Exception {
        if (service != null) {
            service.close();
        }
        if (mounted) {
            run("umount", disk.toString());
        }
        run("rm", "-rf", dir.toString());
    }

    @Test
    @Order(1)
    void anUnreadableFileStaysInTheInboxSaidOnceAndIsTakenInOnceItCanBeRead() throws Exception {
        Path file = drop("locked.jsonl", "locked", 3);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> said("locked.jsonl") > 0);
            // ...and nothing more: the file waits, unread, with no job and no second line
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(8)).until(() -> Files.exists(file)
                    && count("SELECT count(*) FROM jobs WHERE source LIKE '%locked.jsonl'") == 0);
            assertThat(said("locked.jsonl")).as(service.output()).isEqualTo(1);
            assertThat(service.output()).contains(TASK + "/locked.jsonl stays in the inbox")
                    .contains(file + ": cannot be read (permission denied)").doesNotContain("\tat ");
        } finally {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
        awaitAnswered("locked-%", 3);
        assertThat(Files.exists(file)).isFalse();
        assertThat(done("locked.jsonl")).hasSize(1);
    }

    @Test
    @Order(2)
    void aDoneFolderThatCannotBeWrittenLeavesTheFileUnreadUntilItCan() throws Exception {
        Path doneDir = Files.createDirectories(inbox.resolve(TASK).resolve("done"));
        Files.setPosixFilePermissions(doneDir, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Path file = drop("blocked.jsonl", "blocked", 3);
            await().atMost(Duration.ofSeconds(20)).until(() -> said("blocked.jsonl") > 0);
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(8)).until(() -> Files.exists(file)
                    && count("SELECT count(*) FROM jobs WHERE source LIKE '%blocked.jsonl'") == 0);
            assertThat(said("blocked.jsonl")).as(service.output()).isEqualTo(1);
            assertThat(service.output()).contains(doneDir + ": cannot be written (permission denied)");
        } finally {
            Files.setPosixFilePermissions(doneDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        awaitAnswered("blocked-%", 3);
        assertThat(done("blocked.jsonl")).hasSize(1);
    }

    @Test
    @Order(3)
    void aFullDataDiskHoldsTheBatchBackUntilThereIsRoomAndLosesNothing() throws Exception {
        Assumptions.assumeTrue(mounted, "a full disk is simulated with a small tmpfs, and mounting one needs root");
        // the disk fills up after the file was written, before it is taken in and its batch written
        Path staged = stage("full.jsonl", "full", 20);
        Path filler = disk.resolve("filler");
        fill(filler);
        Path file = Files.move(staged, inbox.resolve(TASK).resolve("full.jsonl"));
        long job = awaitJob("full.jsonl");
        await().atMost(Duration.ofSeconds(20)).until(() -> service.output()
                .contains(".jsonl.tmp cannot be written (No space left on device) (retried on the next tick)"));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() ->
                count("SELECT count(*) FROM requests WHERE job_id = " + job + " AND state = 'pending'") == 20);
        try (Stream<Path> left = Files.list(disk.resolve("batches"))) {
            assertThat(left.map(Path::getFileName).map(Path::toString)).as("no half-written batch file holds the space")
                    .noneMatch(n -> n.startsWith("packing-"));
        }
        assertThat(Files.exists(file) || done("full.jsonl").size() == 1).isTrue();

        Files.delete(filler);
        awaitAnswered("full-%", 20);
        assertThat(count(
                "SELECT count(*) FROM request_submissions s JOIN requests r ON r.id = s.request_id WHERE r.job_id = " + job)).as("each sent once").isEqualTo(20);
    }

    /** Writes the file aside and moves it in, as a producer should. */
    private Path drop(String name, String prefix, int items) throws IOException {
        return Files.move(stage(name, prefix, items), Files.createDirectories(inbox.resolve(TASK)).resolve(name));
    }

    private Path stage(String name, String prefix, int items) throws IOException {
        Path staging = Files.createDirectories(disk.resolve("staging")).resolve(name);
        return Files.writeString(staging, IntStream.rangeClosed(1, items).mapToObj(i -> "{\"id\":\"" + prefix + "-" + i
                + "\",\"title\":\"Title " + i + "\",\"contents\":\"Some article text " + i + ".\"}")
                .collect(Collectors.joining("\n", "", "\n")));
    }

    private static void fill(Path filler) throws IOException {
        byte[] block = new byte[16 * 1024];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).contains("No space left on device");
        }
    }

    private long awaitJob(String name) {
        await().atMost(Duration.ofSeconds(20)).until(() -> count("SELECT count(*) FROM jobs WHERE source LIKE '%" + name
                + "' AND status <> 'receiving'") == 1);
        return count("SELECT id FROM jobs WHERE source LIKE '%" + name + "'");
    }

    /** Every item of the pattern has its row in the task's table. */
    private void awaitAnswered(String idPattern, int n) {
        await().atMost(Duration.ofSeconds(90)).until(() -> count(
                "SELECT count(*) FROM news_classifications WHERE article_id LIKE '" + idPattern + "'") == n);
    }

    private List<Path> done(String name) throws IOException {
        try (Stream<Path> files = Files.list(inbox.resolve(TASK).resolve("done"))) {
            return files.filter(f -> f.getFileName().toString().endsWith("-" + name)).toList();
        }
    }

    /** The service's log lines that name the file. */
    private long said(String name) {
        return service.output().lines().filter(l -> l.contains(name)).count();
    }

    private long count(String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    private static boolean isRoot() throws Exception {
        Process id = new ProcessBuilder("id", "-u").start();
        return new String(id.getInputStream().readAllBytes()).trim().equals("0");
    }

    private static int run(String... command) throws Exception {
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
