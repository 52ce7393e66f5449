package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.Sandboxes;
import dev.batchpipe.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * batchpipe as a separate process, killed with SIGKILL at each dangerous point, then restarted; the sandbox (also a
 * separate process) and PostgreSQL live on. Afterwards every item has exactly one result or one dead letter, no output
 * row is duplicated, nothing that succeeded was sent again, and no batch was created twice.
 */
class CrashSafetyTest {

    private static final int ARTICLES = 60;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "kill -9 at {0}")
    @ValueSource(strings = {"intake-chunk:3", "after-upload", "after-create", "mid-download:17", "mid-ingest:23"})
    void aKillAtADangerousPointLosesAndDuplicatesNothing(String crashAt) throws Exception {
        String url = TestDatabase.freshUrl();
        try (Sandboxes sandbox = Sandboxes.start(dir, "--speed", "2000", "--stage-delay", "100ms")) {
            drop(ARTICLES);
            try (BatchpipeProcess victim = BatchpipeProcess.start(dir, env(url, sandbox, crashAt), "run")) {
                assertThat(victim.waitFor(Duration.ofSeconds(120))).as(victim.output()).isEqualTo(137);
                assertThat(victim.output()).contains("Crash point " + crashAt.split(":")[0] + " reached");
            }
            try (BatchpipeProcess survivor = BatchpipeProcess.start(dir, env(url, sandbox, null), "run")) {
                awaitAllDone(Jdbi.create(url), ARTICLES);
                if (crashAt.equals("after-create")) {
                    assertThat(survivor.output()).contains("Adopted openai batch");
                }
            }
            assertNothingLostOrDuplicated(Jdbi.create(url), sandbox, ARTICLES, 1);
        }
    }

    /**
     * Soak mode: a stream of files, and the service killed at a random point (and a random occurrence of it) over and
     * over, until {@code batchpipe.soak.kills} kills; then everything is checked as above. Run with
     * {@code mvn test -Dtest='CrashSafetyTest#soak' -Dsurefire.excludedGroups= -Dbatchpipe.soak.kills=50}.
     */
    @Test
    @Tag("soak")
    void soak() throws Exception {
        String[] points = {"intake-chunk", "after-upload", "after-create", "mid-download", "mid-ingest"};
        int kills = Integer.getInteger("batchpipe.soak.kills", 25);
        long seed = Long.getLong("batchpipe.soak.seed", System.nanoTime());
        Random random = new Random(seed);
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        int files = 0;
        int killed = 0;
        long started = System.nanoTime();
        try (Sandboxes sandbox = Sandboxes.start(dir, "--speed", "2000", "--stage-delay", "100ms")) {
            while (killed < kills) {
                if (allDone(db, files * ARTICLES)) {
                    drop(ARTICLES, "soak-" + (++files));
                }
                String crashAt = points[random.nextInt(points.length)] + ":" + (1 + random.nextInt(6));
                int expected = files * ARTICLES;
                try (BatchpipeProcess p = BatchpipeProcess.start(dir, env(url, sandbox, crashAt), "run")) {
                    await().atMost(Duration.ofSeconds(120)).until(() -> !p.alive() || allDone(db, expected));
                    if (!p.alive()) {
                        killed++;
                    }
                }
            }
            try (BatchpipeProcess survivor = BatchpipeProcess.start(dir, env(url, sandbox, null), "run")) {
                awaitAllDone(db, files * ARTICLES);
            }
            assertNothingLostOrDuplicated(db, sandbox, files * ARTICLES, files);
            System.out.printf("soak (seed %d): %d kills survived over %d files and %d items in %d s; 0 lost, 0 duplicated%n",
                    seed, killed, files, files * ARTICLES, (System.nanoTime() - started) / 1_000_000_000L);
        }
    }

    private void drop(int n) throws Exception {
        drop(n, "crash");
    }

    private void drop(int n, String prefix) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("{\"id\":\"").append(prefix).append('-').append(i).append("\",\"title\":\"Bank ").append(i)
                    .append(" raises rates\",\"contents\":\"Garanti BBVA and Akbank raised deposit rates, report ")
                    .append(i).append(".\"}\n");
        }
        Path staging = Files.createDirectories(dir.resolve("staging")).resolve(prefix + ".jsonl");
        Files.writeString(staging, sb);
        Files.move(staging, Files.createDirectories(dir.resolve("inbox/news-classification")).resolve(prefix + ".jsonl"));
    }

    private Map<String, String> env(String url, Sandboxes sandbox, String crashAt) {
        Map<String, String> env = new HashMap<>();
        env.put("BATCHPIPE_DB_URL", url);
        env.put("BATCHPIPE_HTTP_PORT", "" + BatchpipeProcess.freePort());
        env.put("BATCHPIPE_INBOX", dir.resolve("inbox").toString());
        env.put("BATCHPIPE_INBOX_SETTLE", "200ms");
        env.put("BATCHPIPE_INTAKE_CHUNK_SIZE", "10");
        env.put("BATCHPIPE_OPENAI_MAX_REQUESTS", "25");
        env.put("BATCHPIPE_PACK_INTERVAL_MS", "500");
        env.put("BATCHPIPE_POLL_FIRST_INTERVAL", "200ms");
        env.put("BATCHPIPE_POLL_MAX_INTERVAL", "500ms");
        // a killed instance's claims pass to the restarted one when the lease runs out
        env.put("BATCHPIPE_LEASE", "3s");
        env.put("OPENAI_API_KEY", "sk-crash-suite");
        env.put("OPENAI_BASE_URL", sandbox.openAiBaseUrl());
        if (crashAt != null) {
            env.put("BATCHPIPE_CRASH_AT", crashAt);
        }
        return env;
    }

    private static boolean allDone(Jdbi db, int items) {
        try {
            return count(db, "SELECT count(*) FROM items") == items
                    && count(db, "SELECT count(*) FROM jobs WHERE status IN ('receiving', 'active')") == 0;
        } catch (RuntimeException e) {
            return false; // not migrated yet
        }
    }

    private static void awaitAllDone(Jdbi db, int items) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).until(() -> allDone(db, items));
    }

    static void assertNothingLostOrDuplicated(Jdbi db, Sandboxes sandbox, int items, int files) throws Exception {
        assertThat(count(db, "SELECT count(*) FROM jobs")).as("each file was taken in as one job").isEqualTo(files);
        assertThat(count(db, "SELECT sum(items_accepted) FROM jobs")).isEqualTo(items);
        assertThat(count(db, "SELECT count(*) FROM items")).isEqualTo(items);
        assertThat(count(db, """
                SELECT count(*) FROM requests r
                WHERE (SELECT count(*) FROM results s WHERE s.request_id = r.id)
                    + (SELECT count(*) FROM dead_letters d WHERE d.request_id = r.id AND d.replayed_at IS NULL) <> 1"""))
                .as("items without exactly one outcome (lost)").isZero();
        assertThat(count(db, "SELECT count(*) - count(DISTINCT article_id) FROM news_classifications"))
                .as("duplicate output rows").isZero();
        assertThat(count(db, "SELECT count(*) FROM news_classifications")).isEqualTo(items);
        assertThat(count(db, "SELECT count(*) FROM request_submissions"))
                .as("nothing that succeeded was sent again").isEqualTo(items);
        JsonNode stats = sandbox.stats("openai");
        assertThat(stats.path("requestsReceived").asLong()).isEqualTo(items);
        assertThat(stats.path("duplicateCustomIds").asLong()).isZero();
        assertThat(stats.path("batchesCreated").asLong()).as("no batch created twice")
                .isEqualTo(count(db, "SELECT count(*) FROM batches WHERE provider_batch_id IS NOT NULL"));
    }

    private static long count(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
