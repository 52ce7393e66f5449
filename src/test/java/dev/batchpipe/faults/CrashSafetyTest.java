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
            assertNothingLostOrDuplicated(Jdbi.create(url), sandbox, ARTICLES);
        }
    }

    /** Soak mode: kills at random points until the work is done. Run with -Dgroups=soak -Dsurefire.excludedGroups= */
    @Test
    @Tag("soak")
    void randomKillsUntilEverythingIsDone() throws Exception {
        String[] points = {"intake-chunk", "after-upload", "after-create", "mid-download", "mid-ingest"};
        int articles = Integer.getInteger("batchpipe.soak.articles", 400);
        int maxKills = Integer.getInteger("batchpipe.soak.kills", 25);
        Random random = new Random(Long.getLong("batchpipe.soak.seed", System.nanoTime()));
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        int kills = 0;
        try (Sandboxes sandbox = Sandboxes.start(dir, "--speed", "2000", "--stage-delay", "100ms")) {
            drop(articles);
            while (!allDone(db, articles) && kills < maxKills) {
                String crashAt = points[random.nextInt(points.length)] + ":" + (1 + random.nextInt(40));
                try (BatchpipeProcess p = BatchpipeProcess.start(dir, env(url, sandbox, crashAt), "run")) {
                    await().atMost(Duration.ofSeconds(120)).until(() -> !p.alive() || allDone(db, articles));
                    if (!p.alive()) {
                        kills++;
                    }
                }
            }
            try (BatchpipeProcess survivor = BatchpipeProcess.start(dir, env(url, sandbox, null), "run")) {
                awaitAllDone(db, articles);
            }
            assertNothingLostOrDuplicated(db, sandbox, articles);
            System.out.printf("soak: %d kills survived, %d items, 0 lost, 0 duplicated%n", kills, articles);
        }
    }

    private void drop(int n) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("{\"id\":\"crash-").append(i).append("\",\"title\":\"Bank ").append(i)
                    .append(" raises rates\",\"contents\":\"Garanti BBVA and Akbank raised deposit rates, report ")
                    .append(i).append(".\"}\n");
        }
        Path staging = Files.createDirectories(dir.resolve("staging")).resolve("articles.jsonl");
        Files.writeString(staging, sb);
        Files.move(staging, Files.createDirectories(dir.resolve("inbox/news-classification")).resolve("articles.jsonl"));
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

    static void assertNothingLostOrDuplicated(Jdbi db, Sandboxes sandbox, int items) throws Exception {
        assertThat(count(db, "SELECT count(*) FROM jobs")).as("the file was taken in as one job").isEqualTo(1);
        assertThat(count(db, "SELECT items_accepted FROM jobs")).isEqualTo(items);
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
