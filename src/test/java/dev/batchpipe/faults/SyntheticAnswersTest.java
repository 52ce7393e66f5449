package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Made-up answers never reach an external database unnoticed: without a key, work is refused or held there until the
 * sandbox is asked for; what the sandbox answers is marked, shown, and can be purged; the embedded quickstart is as it
 * was. Every step is a separate batchpipe process, as an operator runs it.
 */
class SyntheticAnswersTest {

    static final String OPENAI_HELD = "openai has no API key (OPENAI_API_KEY is not set); set it, or ask for the "
            + "built-in sandbox with BATCHPIPE_SANDBOX=true or batchpipe.sandbox.providers=openai";

    @TempDir
    Path dir;

    @Test
    void anExternalDatabaseWithoutKeysRefusesProcessAndHoldsTheServiceWorkUntilTheSandboxIsAskedFor() throws Exception {
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        Files.writeString(dir.resolve("news.jsonl"), articles("p", 2));
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, Map.of("BATCHPIPE_DB_URL", url), "process", "news.jsonl",
                "--task", "news-classification")) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).as(p.output()).isEqualTo(2);
            assertThat(errorLines(p)).containsExactly("batchpipe: " + OPENAI_HELD);
            assertThat(p.output()).doesNotContain("\tat ");
        }
        assertThat(count(db, "SELECT count(*) FROM jobs")).as("nothing was taken in").isZero();

        int port = BatchpipeProcess.freePort();
        Map<String, String> env = serviceEnv(url, port);
        try (BatchpipeProcess service = BatchpipeProcess.start(dir, env, "run")) {
            service.awaitHttp200("http://127.0.0.1:" + port + "/observe/health", Duration.ofSeconds(90));
            List<String> warnings = service.output().lines()
                    .filter(l -> l.contains(" WARN ") && l.contains("Holding the requests for")).toList();
            assertThat(warnings).hasSize(4).anySatisfy(l -> assertThat(l)
                    .endsWith("Holding the requests for openai: " + OPENAI_HELD));
            List<String> holds = db.withHandle(h -> h.createQuery("SELECT provider FROM provider_holds ORDER BY provider")
                    .mapTo(String.class).list());
            assertThat(holds).containsExactly("anthropic", "azure", "gemini", "openai");

            Path staging = Files.createDirectories(dir.resolve("staging")).resolve("held.jsonl");
            Files.writeString(staging, articles("h", 3));
            Files.move(staging, Files.createDirectories(dir.resolve("inbox/news-classification")).resolve("held.jsonl"));
            await().atMost(Duration.ofSeconds(60)).until(() -> count(db, "SELECT count(*) FROM jobs WHERE status = 'active'") == 1);
            // pack ticks come and go: the requests wait, untouched, and nothing is sent anywhere
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> count(db,
                    "SELECT count(*) FROM requests WHERE state = 'pending' AND submissions = 0 AND attempts = 0") == 3
                    && count(db, "SELECT count(*) FROM batches") == 0);

            String status = run(env, "status", "1");
            assertThat(status).contains("held       3 request(s) for openai since").contains(OPENAI_HELD);
            HttpResponse<String> api = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/jobs/1")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(api.body()).contains("\"held\":[{\"provider\":\"openai\",\"reason\":\"" + OPENAI_HELD + "\"")
                    .contains("\"requests\":3");
        }

        Map<String, String> sandboxAskedFor = new HashMap<>(env);
        sandboxAskedFor.put("BATCHPIPE_SANDBOX", "true");
        try (BatchpipeProcess service = BatchpipeProcess.start(dir, sandboxAskedFor, "run")) {
            service.awaitHttp200("http://127.0.0.1:" + port + "/observe/health", Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(90)).until(() -> count(db, "SELECT count(*) FROM jobs WHERE status = 'succeeded'") == 1);
            assertThat(count(db, "SELECT count(*) FROM provider_holds")).as("held no more").isZero();
        }
        assertThat(count(db, "SELECT count(*) FROM batches WHERE NOT synthetic")).isZero();
        assertThat(count(db, "SELECT count(*) FROM news_classifications n JOIN synthetic_answers a USING (request_id)"))
                .isEqualTo(3);
        assertThat(run(env, "status", "1")).contains("synthetic answers: 3").containsPattern("3 done, 0 failed, synthetic yes");

        String dryRun = run(env, "purge-synthetic", "--dry-run");
        assertThat(dryRun).containsPattern("news_classifications\\s+3 row\\(s\\) would be deleted")
                .containsPattern("results\\s+3 row\\(s\\) would be deleted").contains("nothing was changed");
        assertThat(count(db, "SELECT count(*) FROM news_classifications")).isEqualTo(3);
        String purged = run(env, "purge-synthetic");
        assertThat(purged).containsPattern("news_classifications\\s+3 row\\(s\\) deleted")
                .containsPattern("story_topics\\s+0 row\\(s\\) deleted")
                .contains("3 request(s) back to pending, 1 job(s) reopened.");
        assertThat(count(db, "SELECT count(*) FROM news_classifications")).isZero();
        assertThat(count(db, "SELECT count(*) FROM results")).isZero();
        assertThat(count(db, "SELECT count(*) FROM requests WHERE state = 'pending'")).as("held again for a real key")
                .isEqualTo(3);
        assertThat(count(db, "SELECT count(*) FROM jobs WHERE status = 'active'")).isEqualTo(1);
    }

    @Test
    void processOnAnExternalDatabaseWorksWhenTheSandboxIsAskedForAndItsRowsAreMarked() throws Exception {
        String url = TestDatabase.freshUrl();
        Files.writeString(dir.resolve("news.jsonl"), articles("s", 2));
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", url, "BATCHPIPE_SANDBOX", "true");
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "process", "news.jsonl", "--task",
                "news-classification", "--wait")) {
            assertThat(p.waitFor(Duration.ofSeconds(120))).as(p.output()).isZero();
            assertThat(p.output()).contains("2 succeeded, 0 dead-lettered").contains("synthetic answers: 2");
        }
        Jdbi db = Jdbi.create(url);
        assertThat(count(db, "SELECT count(*) FROM batches WHERE synthetic")).isEqualTo(count(db, "SELECT count(*) FROM batches"))
                .isPositive();
        assertThat(count(db, "SELECT count(*) FROM news_classifications WHERE request_id IN "
                + "(SELECT request_id FROM synthetic_answers)")).isEqualTo(2);
    }

    @Test
    void withTheSandboxRefusedOutrightAServiceWhoseTaskHasNoKeyDoesNotStart() throws Exception {
        Map<String, String> env = new HashMap<>(serviceEnv(TestDatabase.freshUrl(), BatchpipeProcess.freePort()));
        env.put("BATCHPIPE_SANDBOX", "false");
        try (BatchpipeProcess service = BatchpipeProcess.start(dir, env, "run")) {
            assertThat(service.waitFor(Duration.ofSeconds(90))).as(service.output()).isEqualTo(2);
            assertThat(errorLines(service)).containsExactly("batchpipe: " + OPENAI_HELD);
            assertThat(service.output()).doesNotContain("\tat ");
        }
    }

    @Test
    void theEmbeddedQuickstartIsStillAnsweredByTheSandboxAndSaysSo() throws Exception {
        Files.createDirectories(dir.resolve("samples"));
        Files.copy(Path.of("samples/news.jsonl"), dir.resolve("samples/news.jsonl"));
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, Map.of(), "process", "samples/news.jsonl", "--task",
                "news-classification", "--wait")) {
            assertThat(p.waitFor(Duration.ofSeconds(180))).as(p.output()).isZero();
            assertThat(p.output()).contains("25 succeeded, 0 dead-lettered").contains("synthetic answers: 25");
        }
        assertThat(Files.readString(dir.resolve("data/logs/batchpipe.log")))
                .contains("No API key for openai (OPENAI_API_KEY), anthropic (ANTHROPIC_API_KEY), gemini (GEMINI_API_KEY), "
                        + "azure (AZURE_OPENAI_API_KEY): the built-in sandbox answers them (results are synthetic)");
    }

    private Map<String, String> serviceEnv(String url, int port) {
        return Map.of("BATCHPIPE_DB_URL", url, "BATCHPIPE_HTTP_PORT", "" + port,
                "BATCHPIPE_INBOX", dir.resolve("inbox").toString(), "BATCHPIPE_INBOX_SETTLE", "200ms",
                "BATCHPIPE_PACK_INTERVAL_MS", "300", "BATCHPIPE_POLL_FIRST_INTERVAL", "200ms");
    }

    /** Runs a command to its end (exit 0) and returns its output. */
    private String run(Map<String, String> env, String... args) throws Exception {
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, args)) {
            assertThat(p.waitFor(Duration.ofSeconds(90))).as(p.output()).isZero();
            return p.output();
        }
    }

    private static List<String> errorLines(BatchpipeProcess p) {
        return p.output().lines().filter(l -> l.startsWith("batchpipe:")).toList();
    }

    private static long count(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    private static String articles(String prefix, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("{\"id\":\"").append(prefix).append('-').append(i).append("\",\"title\":\"Bank ").append(i)
                    .append(" raises rates\",\"contents\":\"Istanbul Bank number ").append(i)
                    .append(" raised its lending rates on Monday as inflation stayed high.\"}\n");
        }
        return sb.toString();
    }
}
