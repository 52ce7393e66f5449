package dev.batchpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.SandboxServer;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator sees, as separate processes: issue 10's items 2, 3, 5, 6 and 8. */
class OperatorCliTest {

    @TempDir
    Path dir;

    /** Without a service: the job does not move, and the CLI says so and how to continue. */
    @Test
    void withoutAServiceTheCliSaysWhoMovesTheJobAndWaitFinishesIt() throws Exception {
        // an external database: the sandbox answers the keyless providers only when asked to
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", TestDatabase.freshUrl(), "BATCHPIPE_SANDBOX", "true");
        Files.copy(Path.of("samples/news.jsonl"), dir.resolve("news.jsonl"));

        Run submitted = run(env, "process", "news.jsonl", "--task", "news-classification");
        assertThat(submitted.code).as(submitted.output).isZero();
        assertThat(submitted.output).contains("No `batchpipe run` service is running on this database")
                .contains("batchpipe wait 1");
        Run status = run(env, "status");
        assertThat(status.output).contains("No `batchpipe run` service is polling this database");
        System.out.printf("[figure] status wall time without a service: %d ms%n", status.millis);

        Run waited = run(env, "wait", "1");
        assertThat(waited.code).as(waited.output).isZero();
        assertThat(waited.output).contains("25 succeeded, 0 dead-lettered");
        Run detail = run(env, "status", "1");
        assertThat(detail.output).contains("rows       25 in news_classifications");

        Run again = run(env, "process", "news.jsonl", "--task", "news-classification", "--provider", "anthropic");
        assertThat(again.code).isZero();
        assertThat(again.output).contains("adds nothing").contains("job 1").contains("--force")
                .doesNotContain("Submitted");
    }

    /** Operator mistakes are one line each, refused before anything is sent or booted. */
    @Test
    void mistakesAreRefusedInOneLine() throws Exception {
        String url = TestDatabase.freshUrl();
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", url, "BATCHPIPE_SANDBOX", "true");
        Files.copy(Path.of("samples/news.jsonl"), dir.resolve("news.jsonl"));

        for (String[] args : new String[][] {{"status", "--limit", "0"}, {"status", "--limit", "-1"},
                {"dead-letters", "--task", "nope"}, {"run", "--task", "no-such-task", "--now"},
                {"process", "news.jsonl", "--task", "news-classification", "--model", "gpt-9-typo"}}) {
            Run r = run(env, args);
            assertThat(r.code).as(String.join(" ", args) + ":\n" + r.output).isEqualTo(2);
            assertThat(r.output.lines().filter(l -> !l.isBlank()).toList()).as(String.join(" ", args)).hasSize(1);
            assertThat(r.output).startsWith("batchpipe: ").doesNotContain("\tat ");
        }
        assertThat(run(env, "process", "news.jsonl", "--task", "news-classification", "--model", "gpt-9-typo")
                .output).contains("no price for openai model gpt-9-typo").contains("--allow-unpriced");
        long jobs = Jdbi.create(url).withHandle(h -> h.createQuery("SELECT count(*) FROM jobs").mapTo(Long.class).one());
        assertThat(jobs).as("nothing was taken in for the mistyped model").isZero();
        assertThat(run(env, "--version").output).containsPattern("batchpipe \\d+\\.\\d+\\.\\d+");
    }

    /** The service: few start-up lines, one ready line, a stable embedded port, `db`, and status against it. */
    @Test
    void theServiceSaysReadyOnceAndItsDatabaseIsEasyToReach() throws Exception {
        int http = BatchpipeProcess.freePort();
        int pg = BatchpipeProcess.freePort();
        Map<String, String> env = Map.of("BATCHPIPE_HTTP_PORT", "" + http, "BATCHPIPE_EMBEDDED_PORT", "" + pg,
                "BATCHPIPE_INBOX_SETTLE", "200ms");
        try (BatchpipeProcess service = BatchpipeProcess.start(dir, env, "run")) {
            await().atMost(Duration.ofSeconds(120)).until(() -> service.output().contains("batchpipe ready on"));
            String startup = service.output();
            System.out.printf("[figure] start-up lines of run: %d%n%s", startup.lines().count(), startup);
            assertThat(startup).contains("batchpipe ready on http://127.0.0.1:" + http)
                    .contains("news-classification").contains("openai (sandbox")
                    .containsPattern("Database schema at version \\d+").doesNotContain("unchanged")
                    .doesNotContain("0.0.0.0").doesNotContain("Started pack-tick")
                    .contains("(port " + pg + ")");
            assertThat(startup.lines().filter(l -> l.contains("ready")).count()).isEqualTo(1);

            Run db = run(env, "db");
            assertThat(db.output).contains("jdbc:postgresql://localhost:" + pg + "/postgres")
                    .contains("psql -h localhost -p " + pg + " -U postgres postgres");

            Files.copy(Path.of("samples/news.jsonl"), dir.resolve("inbox/news-classification/news.jsonl"));
            await().atMost(Duration.ofSeconds(120)).until(() -> run(env, "status").output.contains("succeeded"));
            Run status = run(env, "status");
            System.out.printf("[figure] status wall time with the service up: %d ms%n", status.millis);
            assertThat(status.output).contains("inbox/news-classification/done/1-news.jsonl")
                    .doesNotContain("No `batchpipe run` service");
        }
    }

    /** Answers that all fail the schema: the batch shows them failed, and the job is failed, not partial. */
    @Test
    void aJobWhoseAnswersAllFailedReadsFailed() throws Exception {
        try (SandboxServer sandbox = SandboxServer.start(SandboxConfig.builder().speed(2000)
                .stageDelay(Duration.ofMillis(100)).build())) {
            sandbox.faults().openAi().invalidAnswerFraction(1.0);
            Map<String, String> env = new HashMap<>(Map.of("BATCHPIPE_DB_URL", TestDatabase.freshUrl(),
                    "OPENAI_API_KEY", "sk-operator-test", "OPENAI_BASE_URL", sandbox.openAiBaseUrl(),
                    "BATCHPIPE_POLL_FIRST_INTERVAL", "200ms", "BATCHPIPE_POLL_MAX_INTERVAL", "500ms"));
            Files.writeString(dir.resolve("two.jsonl"), """
                    {"id":"f1","title":"Rates","contents":"The central bank held rates."}
                    {"id":"f2","title":"Energy","contents":"Shell cut gas supply."}
                    """);
            Run r = run(env, "process", "two.jsonl", "--task", "news-classification", "--wait");
            assertThat(r.code).as(r.output).isEqualTo(1);
            assertThat(r.output).as("the provider's batch state beside the counts while it runs")
                    .containsPattern("job 1: \\d+/2 requests done, \\d+ failed, 1 batches \\([a-z_]+\\)");
            assertThat(r.output).contains("Job 1  news-classification  failed").contains("2 requests, 0 done, 2 failed")
                    .doesNotContain("2 requests, 2 done");
            assertThat(run(env, "status").output).containsPattern("1\\s+news-classification\\s+failed");
        }
    }

    private record Run(int code, String output, long millis) {
    }

    private Run run(Map<String, String> env, String... args) throws Exception {
        long start = System.nanoTime();
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, args)) {
            int code = p.waitFor(Duration.ofSeconds(180));
            return new Run(code, p.output(), (System.nanoTime() - start) / 1_000_000);
        }
    }
}
