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

    /**
     * The operator's commands over one finished job, each as its own process: an estimate and a cost cap send
     * nothing; then results (a CSV that round-trips the table's rows), batches, report and tasks read what the job
     * left, each without booting Camel.
     */
    @Test
    void estimatesSendNothingAndTheReadCommandsShowTheFinishedJob() throws Exception {
        String url = TestDatabase.freshUrl();
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", url, "BATCHPIPE_SANDBOX", "true");
        Files.copy(Path.of("samples/news.jsonl"), dir.resolve("news.jsonl"));
        Jdbi db = Jdbi.create(url);

        Run estimate = run(env, "estimate", "news.jsonl", "--task", "news-classification");
        assertThat(estimate.code).as(estimate.output).isZero();
        assertThat(estimate.output).contains("Estimate for news-classification: 25 item(s)")
                .containsPattern("Cost at the batch price: \\$0\\.\\d{4}; at the realtime price: \\$0\\.\\d{4}");
        Run dryRun = run(env, "process", "news.jsonl", "--task", "news-classification", "--dry-run");
        assertThat(dryRun.code).as(dryRun.output).isZero();
        assertThat(dryRun.output).contains("Estimate for news-classification: 25 item(s)").doesNotContain("Job ");
        Run capped = run(env, "process", "news.jsonl", "--task", "news-classification", "--max-cost", "0.000001");
        assertThat(capped.code).as(capped.output).isEqualTo(2);
        assertThat(capped.output).contains("Estimate for news-classification")
                .containsPattern("the estimated cost \\$\\d+\\.\\d{4} is above --max-cost 0.000001: nothing was taken in");
        long jobs = db.withHandle(h -> h.createQuery("SELECT count(*) FROM jobs").mapTo(Long.class).one());
        assertThat(jobs).as("neither the dry run nor the capped run took anything in").isZero();

        Run done = run(env, "process", "news.jsonl", "--task", "news-classification", "--max-cost", "5", "--wait");
        assertThat(done.code).as(done.output).isZero();
        assertThat(done.output).contains("25 succeeded");

        Run csv = run(env, "results", "1", "--format", "csv", "-o", "rows.csv");
        assertThat(csv.code).as(csv.output).isZero();
        assertThat(csv.output).contains("25 row(s) of job 1 written to rows.csv");
        try (var parser = org.apache.commons.csv.CSVFormat.DEFAULT.builder().setHeader().build()
                .parse(Files.newBufferedReader(dir.resolve("rows.csv")))) {
            var fromCsv = parser.getRecords().stream()
                    .map(r -> r.get("article_id") + "|" + r.get("sentiment") + "|" + r.get("summary_en") + "|"
                            + r.get("lineage_batch_id")).toList();
            var fromTable = db.withHandle(h -> h.createQuery("SELECT c.article_id || '|' || c.sentiment || '|' || c.summary_en "
                    + "|| '|' || r.batch_id FROM news_classifications c JOIN results r ON r.request_id = c.request_id")
                    .mapTo(String.class).list());
            assertThat(fromCsv).as("the CSV's rows are the table's").hasSize(25).containsExactlyInAnyOrderElementsOf(fromTable);
        }
        Run jsonl = run(env, "results", "1");
        assertThat(jsonl.output.lines().filter(l -> l.startsWith("{")).count()).isEqualTo(25);

        Run batches = run(env, "batches", "--job", "1");
        assertThat(batches.output).containsPattern("\\d+\\s+ingested\\s+openai\\s+gpt-4o-mini\\s+25\\s+25\\s+0\\s+\\[1]");
        assertThat(run(env, "batches", "--state", "nope").output).startsWith("batchpipe: state must be one of");

        Run report = run(env, "report", "--group", "task", "--format", "json");
        assertThat(report.code).as(report.output).isZero();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(report.output);
        assertThat(json.path("rows").get(0).path("key").asText()).isEqualTo("news-classification");
        assertThat(json.path("total").path("requests").asLong()).isEqualTo(25);

        assertThat(run(env, "tasks").output).containsPattern("news-classification\\s+openai\\s+gpt-4o-mini")
                .contains("news_classifications");
        System.out.printf("[figure] read commands' wall time: results %d ms, batches %d ms, report %d ms%n",
                csv.millis, batches.millis, report.millis);
    }

    /** Operator mistakes are one line each, refused before anything is sent or booted. */
    @Test
    void mistakesAreRefusedInOneLine() throws Exception {
        String url = TestDatabase.freshUrl();
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", url, "BATCHPIPE_SANDBOX", "true");
        Files.copy(Path.of("samples/news.jsonl"), dir.resolve("news.jsonl"));

        for (String[] args : new String[][] {{"status", "--limit", "0"}, {"status", "--limit", "-1"},
                {"dead-letters", "--task", "nope"}, {"batches", "--limit", "0"}, {"report", "--format", "xml"}, {"run", "--task", "no-such-task", "--now"},
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
            // read from the embedded database itself: each `status` is a JVM start, too slow to poll with
            Jdbi embedded = Jdbi.create("jdbc:postgresql://localhost:" + pg + "/postgres?user=postgres");
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).until(() -> embedded.withHandle(h ->
                    h.createQuery("SELECT count(*) FROM jobs WHERE status = 'succeeded'").mapTo(Long.class).one()) == 1);
            Run status = run(env, "status");
            System.out.printf("[figure] status wall time with the service up: %d ms%n", status.millis);
            assertThat(status.output).contains("succeeded").contains("inbox/news-classification/done/1-news.jsonl")
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
