package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.SandboxServer;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys never leave the process they were given to; the API changes nothing for strangers. */
class SecretsAndAccessTest {

    private static final String KEY = "sk-canary-7f3a9b2c4d5e6f7081";
    private static final String WRONG_KEY = "sk-wrongcanary-0a1b2c3d4e5f";
    private static final String TOKEN = "api-token-canary-5e6f7a8b";

    @TempDir
    Path dir;

    @Test
    void apiKeysAppearInNoLogErrorFileDatabaseRowOrCommandOutput() throws Exception {
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        List<String> outputs = new ArrayList<>();
        try (SandboxServer sandbox = SandboxServer.start(SandboxConfig.builder().speed(2000).apiKey(KEY)
                .stageDelay(Duration.ofMillis(100)).build())) {
            Path inbox = Files.createDirectories(dir.resolve("inbox/news-classification"));
            Files.writeString(inbox.resolve("news.jsonl"), """
                    {"id":"s1","title":"Rates","contents":"The central bank held rates."}
                    {"id":"s2","title":"Energy","contents":"Shell cut gas supply."}
                    not json at all
                    """);
            // first with a key the provider refuses: every error path runs
            try (BatchpipeProcess wrong = BatchpipeProcess.start(dir, env(url, sandbox, WRONG_KEY), "run")) {
                await().atMost(Duration.ofSeconds(60)).until(() -> wrong.output().contains("refused our credentials"));
                outputs.add(wrong.output());
            }
            try (BatchpipeProcess right = BatchpipeProcess.start(dir, env(url, sandbox, KEY), "run")) {
                await().atMost(Duration.ofSeconds(60)).until(() -> count(db,
                        "SELECT count(*) FROM jobs WHERE status NOT IN ('receiving', 'active')") == 1);
                outputs.add(right.output());
            }
            for (String[] command : new String[][] {{"status"}, {"status", "1"}, {"dead-letters"}}) {
                try (BatchpipeProcess p = BatchpipeProcess.start(dir, env(url, sandbox, KEY), command)) {
                    assertThat(p.waitFor(Duration.ofSeconds(60))).isZero();
                    outputs.add(p.output());
                }
            }
        }
        assertThat(count(db, "SELECT count(*) FROM news_classifications")).isEqualTo(2);

        List<String> places = new ArrayList<>(outputs);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().contains("sandbox")).toList()) {
                places.add(f + ":\n" + new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        for (String table : db.withHandle(h -> h.createQuery("SELECT table_name FROM information_schema.tables "
                + "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'").mapTo(String.class).list())) {
            places.add(table + ":\n" + db.withHandle(h -> h.createQuery("SELECT coalesce(string_agg(t::text, E'\\n'), '') "
                    + "FROM " + table + " t").mapTo(String.class).one()));
        }
        assertThat(places).hasSizeGreaterThan(20);
        for (String place : places) {
            assertThat(place).doesNotContain(KEY).doesNotContain(WRONG_KEY).doesNotContain(TOKEN);
        }
    }

    @Test
    void changingCallsNeedATokenWhenTheApiIsBoundBeyondLocalhost() throws Exception {
        String url = TestDatabase.freshUrl();
        String body = "{\"id\":\"api-1\",\"title\":\"Rates\",\"contents\":\"The central bank held rates.\"}\n";

        try (Service local = new Service(url, "127.0.0.1", null)) {
            assertThat(local.post("/api/jobs/news-classification", body, null).statusCode()).isEqualTo(202);
            assertThat(local.post("/api/jobs/no-such-task", body, null).statusCode()).isEqualTo(404);
            assertThat(local.post("/api/dead-letters/replay", "", null).body()).isEqualTo("{\"replayed\":0}");
        }
        try (Service open = new Service(url, "0.0.0.0", null)) {
            HttpResponse<String> refused = open.post("/api/jobs/news-classification", body, null);
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.body()).contains("BATCHPIPE_API_TOKEN");
            // issue 14: bound beyond localhost, reading needs the token too
            HttpResponse<String> read = open.get("/api/jobs");
            assertThat(read.statusCode()).as("reading beyond localhost").isEqualTo(401);
            assertThat(read.body()).contains("BATCHPIPE_API_TOKEN");
            assertThat(open.process.output()).contains("without BATCHPIPE_API_TOKEN");
        }
        try (Service guarded = new Service(url, "0.0.0.0", TOKEN)) {
            assertThat(guarded.post("/api/jobs/news-classification", body, null).statusCode()).isEqualTo(401);
            assertThat(guarded.post("/api/jobs/news-classification", body, "Bearer nope").statusCode()).isEqualTo(401);
            HttpResponse<String> accepted = guarded.post("/api/jobs/news-classification",
                    body.replace("api-1", "api-2"), "Bearer " + TOKEN);
            assertThat(accepted.statusCode()).isEqualTo(202);
            assertThat(accepted.body()).contains("\"items\":1").doesNotContain(TOKEN);
        }
    }

    private Map<String, String> env(String url, SandboxServer sandbox, String key) {
        Map<String, String> env = new HashMap<>();
        env.put("BATCHPIPE_DB_URL", url);
        env.put("BATCHPIPE_HTTP_PORT", "" + BatchpipeProcess.freePort());
        env.put("BATCHPIPE_API_TOKEN", TOKEN);
        env.put("BATCHPIPE_INBOX", dir.resolve("inbox").toString());
        env.put("BATCHPIPE_INBOX_SETTLE", "200ms");
        env.put("BATCHPIPE_PACK_INTERVAL_MS", "500");
        env.put("BATCHPIPE_POLL_FIRST_INTERVAL", "200ms");
        env.put("BATCHPIPE_LEASE", "2s");
        env.put("OPENAI_API_KEY", key);
        env.put("OPENAI_BASE_URL", sandbox.openAiBaseUrl());
        return env;
    }

    private static long count(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    /** A service process bound to a host, with or without an API token. */
    private final class Service implements AutoCloseable {
        final BatchpipeProcess process;
        final int port = BatchpipeProcess.freePort();
        final HttpClient http = HttpClient.newHttpClient();

        Service(String url, String host, String token) throws Exception {
            Map<String, String> env = new HashMap<>(Map.of("BATCHPIPE_DB_URL", url, "BATCHPIPE_HTTP_HOST", host,
                    "BATCHPIPE_HTTP_PORT", "" + port));
            if (token != null) {
                env.put("BATCHPIPE_API_TOKEN", token);
            }
            process = BatchpipeProcess.start(dir.resolve(host + "-" + (token != null)), env, "run");
            process.awaitHttp200("http://127.0.0.1:" + port + "/observe/health", Duration.ofSeconds(90));
        }

        HttpResponse<String> post(String path, String body, String authorization) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body));
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        HttpResponse<String> get(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        @Override
        public void close() throws Exception {
            process.close();
        }
    }
}
