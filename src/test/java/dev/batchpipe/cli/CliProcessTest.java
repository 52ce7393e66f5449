package dev.batchpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.SandboxServer;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a user runs it: separate processes, real exit codes, the README's flow. */
class CliProcessTest {

    @TempDir
    Path dir;

    @Test
    void theReadmeFlowServiceInOneTerminalProcessAndStatusInAnother() throws Exception {
        Files.createDirectories(dir.resolve("samples"));
        Files.copy(Path.of("samples/news.jsonl"), dir.resolve("samples/news.jsonl"));
        int port = BatchpipeProcess.freePort();
        Map<String, String> env = Map.of("BATCHPIPE_HTTP_PORT", "" + port);
        try (BatchpipeProcess service = BatchpipeProcess.start(dir, env, "run")) {
            service.awaitHttp200("http://127.0.0.1:" + port + "/observe/health", Duration.ofSeconds(90));

            try (BatchpipeProcess process = BatchpipeProcess.start(dir, env, "process", "samples/news.jsonl",
                    "--task", "news-classification", "--wait")) {
                assertThat(process.waitFor(Duration.ofSeconds(120))).as(process.output()).isZero();
                assertThat(process.output())
                        .contains("Job 1: 25 new item(s) taken in")
                        .contains("Job 1  news-classification  succeeded")
                        .contains("25 succeeded, 0 dead-lettered");
            }
            try (BatchpipeProcess status = BatchpipeProcess.start(dir, env, "status")) {
                assertThat(status.waitFor(Duration.ofSeconds(60))).as(status.output()).isZero();
                assertThat(status.output()).containsPattern("1\\s+news-classification\\s+succeeded");
            }
            assertThat(service.alive()).as("the service kept running beside the commands").isTrue();
        }
    }

    @Test
    void modeAutoSendsASmallFileRealtimeAndSaysWhy() throws Exception {
        Files.createDirectories(dir.resolve("samples"));
        Files.copy(Path.of("samples/news.jsonl"), dir.resolve("samples/news.jsonl"));
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", TestDatabase.freshUrl(), "BATCHPIPE_SANDBOX", "true");
        try (BatchpipeProcess process = BatchpipeProcess.start(dir, env, "process", "samples/news.jsonl",
                "--task", "news-classification", "--mode", "auto", "--deadline", "2h", "--wait")) {
            assertThat(process.waitFor(Duration.ofSeconds(120))).as(process.output()).isZero();
            // 25 articles, below the default batchpipe.auto.realtime-below of 100: realtime, and the job says why
            assertThat(process.output()).contains("25 succeeded, 0 dead-lettered")
                    .contains("chosen by mode auto: 25 item(s), fewer than batchpipe.auto.realtime-below (100)");
        }
        var calls = org.jdbi.v3.core.Jdbi.create(env.get("BATCHPIPE_DB_URL")).withHandle(h -> h.createQuery(
                "SELECT count(*) FILTER (WHERE batch_id IS NULL) AS realtime, count(*) AS total FROM request_submissions")
                .mapToMap().one());
        assertThat(calls).containsEntry("realtime", 25L).containsEntry("total", 25L);
        assertThat(run(env, "process", "samples/news.jsonl", "--task", "news-classification", "--mode", "sometimes"))
                .as("an unknown mode").isEqualTo(2);
    }

    @Test
    void exitCodesTellWhatHappened() throws Exception {
        // an external database: the sandbox answers the keyless providers only when asked to
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", TestDatabase.freshUrl(), "BATCHPIPE_SANDBOX", "true");
        Files.writeString(dir.resolve("empty.jsonl"), "");
        Files.writeString(dir.resolve("mixed.jsonl"), """
                {"id":"m1","title":"Rates","contents":"The central bank held rates."}
                not json
                """);

        assertThat(run(env, "process", "empty.jsonl", "--task", "news-classification")).isEqualTo(3);
        assertThat(run(env, "process", "nope.jsonl", "--task", "news-classification")).isEqualTo(2);
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "process", "mixed.jsonl", "--task", "no-such-task")) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(p.output()).contains("batchpipe: Unknown task 'no-such-task' (known: article-embeddings, "
                    + "fashion-images, knowledge-extraction, news-classification, topic-enrichment)")
                    .doesNotContain("\tat ");
        }
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "process", "mixed.jsonl", "--task",
                "news-classification", "--provider", "nowhere")) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(p.output()).contains("batchpipe: Unknown provider 'nowhere'");
        }
        // embeddings go only to a provider with an embeddings API: asked for, or in a task file, it is refused at once
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "process", "mixed.jsonl", "--task",
                "article-embeddings", "--provider", "anthropic")) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(p.output()).contains("batchpipe: task article-embeddings: anthropic has no embeddings API: "
                    + "send embedding requests to openai, azure or gemini").doesNotContain("\tat ");
        }
        Path tasks = Files.createDirectories(dir.resolve("anthropic-tasks"));
        Files.writeString(tasks.resolve("article-embeddings.yaml"), Files.readString(Path.of("tasks",
                "article-embeddings.yaml")).replace("provider: openai", "provider: anthropic"));
        Map<String, String> anthropicTasks = new java.util.HashMap<>(env);
        anthropicTasks.put("BATCHPIPE_TASKS_DIR", tasks.toString());
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, anthropicTasks, "process", "mixed.jsonl", "--task",
                "news-classification")) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
            assertThat(p.output()).contains("article-embeddings.yaml: request embed: anthropic has no embeddings API")
                    .doesNotContain("\tat ");
        }
        // a path that climbs out of the working directory is just a path
        try (BatchpipeProcess p = BatchpipeProcess.start(dir.resolve("elsewhere"), env, "process", "../mixed.jsonl",
                "--task", "news-classification", "--wait")) {
            assertThat(p.waitFor(Duration.ofSeconds(90))).as(p.output()).isEqualTo(4);
            assertThat(p.output()).contains("1 line(s) rejected").contains("line 2: malformed JSON");
        }
        // the same file again, for another provider and model: a new version of the file, so new requests
        Files.writeString(dir.resolve("mixed.jsonl"), "{\"id\":\"m2\",\"title\":\"Energy\",\"contents\":\"Shell.\"}\n");
        assertThat(run(env, "process", "mixed.jsonl", "--task", "news-classification", "--provider", "anthropic",
                "--model", "claude-sonnet-4-5")).isZero();
        var request = org.jdbi.v3.core.Jdbi.create(env.get("BATCHPIPE_DB_URL")).withHandle(h -> h.createQuery(
                "SELECT r.provider || '/' || r.model FROM requests r JOIN items i ON i.id = r.item_id "
                        + "WHERE i.source_key = 'm2'").mapTo(String.class).one());
        assertThat(request).isEqualTo("anthropic/claude-sonnet-4-5");
    }

    @Test
    void deadLetteredItemsExitWithOne() throws Exception {
        try (SandboxServer sandbox = SandboxServer.start(SandboxConfig.builder().speed(2000)
                .stageDelay(Duration.ofMillis(100)).build())) {
            sandbox.faults().openAi().invalidAnswerFraction(1.0);
            Map<String, String> env = Map.of("BATCHPIPE_DB_URL", TestDatabase.freshUrl(),
                    "OPENAI_API_KEY", "sk-cli-test", "OPENAI_BASE_URL", sandbox.openAiBaseUrl(),
                    "BATCHPIPE_POLL_FIRST_INTERVAL", "200ms", "BATCHPIPE_POLL_MAX_INTERVAL", "500ms");
            Files.writeString(dir.resolve("one.jsonl"),
                    "{\"id\":\"d1\",\"title\":\"Rates\",\"contents\":\"The central bank held rates.\"}\n");
            try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "process", "one.jsonl", "--task",
                    "news-classification", "--wait")) {
                assertThat(p.waitFor(Duration.ofSeconds(90))).as(p.output()).isEqualTo(1);
                assertThat(p.output()).contains("1 dead-lettered").contains("answer does not match the schema")
                        .doesNotContain("sk-cli-test");
            }
            try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "dead-letters", "--task", "news-classification")) {
                assertThat(p.waitFor(Duration.ofSeconds(60))).isZero();
                assertThat(p.output()).containsPattern("1\\s+1\\s+news-classification\\s+d1\\s+1\\s+failed 3 attempt");
            }
            sandbox.faults().reset();
            try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "replay", "--all")) {
                assertThat(p.waitFor(Duration.ofSeconds(60))).isZero();
                assertThat(p.output()).contains("1 request(s) sent again.");
            }
            try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "dead-letters")) {
                assertThat(p.waitFor(Duration.ofSeconds(60))).isZero();
                assertThat(p.output()).contains("No dead letters.");
            }
        }
    }

    @Test
    void runWithATaskRequestsAnExtractionRun() throws Exception {
        String url = TestDatabase.freshUrl();
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", url);
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "run", "--task", "knowledge-extraction", "--limit", "5",
                "--since", "2026-01-01", "--priority", "8", "--no-cache", "--now")) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).as(p.output()).isZero();
            assertThat(p.output()).contains("Extraction run 1 of knowledge-extraction requested");
        }
        var row = org.jdbi.v3.core.Jdbi.create(url).withHandle(h -> h.createQuery(
                "SELECT task, row_limit, priority, schedule, status, since IS NOT NULL AS has_since, use_cache "
                        + "FROM extraction_runs")
                .mapToMap().one());
        assertThat(row).containsEntry("task", "knowledge-extraction").containsEntry("row_limit", 5)
                .containsEntry("schedule", "asap").containsEntry("status", "requested").containsEntry("has_since", true)
                .containsEntry("use_cache", false);
        assertThat(((Number) row.get("priority")).intValue()).isEqualTo(8);
        assertThat(run(env, "run", "--task", "news-classification")).as("a task without a source table").isEqualTo(2);
        assertThat(run(env, "run", "--limit", "5")).as("run options without --task").isEqualTo(2);
    }

    private int run(Map<String, String> env, String... args) throws Exception {
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, args)) {
            return p.waitFor(Duration.ofSeconds(60));
        }
    }
}
