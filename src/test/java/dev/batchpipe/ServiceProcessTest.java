package dev.batchpipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service as a real process: health, SIGTERM, restart on the same data dir, operator mistakes. */
class ServiceProcessTest {

    @TempDir
    Path dir;

    @Test
    void embeddedDefaultAnswersHealthStopsCleanlyOnSigtermAndKeepsDataAcrossRestarts() throws Exception {
        int port = BatchpipeProcess.freePort();
        Map<String, String> env = Map.of("BATCHPIPE_HTTP_PORT", Integer.toString(port));
        Path pgData = dir.resolve("data/postgres");

        try (BatchpipeProcess first = BatchpipeProcess.start(dir, env, "run")) {
            first.awaitHttp200("http://127.0.0.1:" + port + "/observe/health", Duration.ofSeconds(90));
            HttpResponse<String> health = get("http://127.0.0.1:" + port + "/observe/health");
            assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"name\":\"database\"");
            assertThat(first.output()).contains("Using embedded PostgreSQL in " + pgData);

            embedded(pgData).useHandle(h -> h.execute(
                    "INSERT INTO jobs (task, source_kind, source) VALUES ('news-classification', 'api', 'restart-probe')"));

            first.terminate();
            assertThat(first.waitFor(Duration.ofSeconds(60))).as(first.output()).isZero();
        }
        assertThat(pgData.resolve("postmaster.pid")).as("embedded PostgreSQL stopped with the service").doesNotExist();

        try (BatchpipeProcess second = BatchpipeProcess.start(dir, env, "run")) {
            second.awaitHttp200("http://127.0.0.1:" + port + "/observe/health", Duration.ofSeconds(90));
            List<String> sources = embedded(pgData).withHandle(h ->
                    h.createQuery("SELECT source FROM jobs").mapTo(String.class).list());
            assertThat(sources).containsExactly("restart-probe");
            second.terminate();
            assertThat(second.waitFor(Duration.ofSeconds(60))).isZero();
        }
    }

    @Test
    void healthSaysDownWhenTheDatabaseGoesAway() throws Exception {
        int port = BatchpipeProcess.freePort();
        try (BatchpipeProcess service = BatchpipeProcess.start(dir, Map.of("BATCHPIPE_HTTP_PORT", "" + port), "run")) {
            String url = "http://127.0.0.1:" + port + "/observe/health";
            service.awaitHttp200(url, Duration.ofSeconds(90));
            long postmaster = Long.parseLong(Files.readAllLines(dir.resolve("data/postgres/postmaster.pid")).get(0).trim());
            ProcessHandle.of(postmaster).orElseThrow().destroyForcibly();

            HttpResponse<String> health = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> get(url), r -> r.statusCode() != 200);
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).contains("\"status\":\"DOWN\"").contains("database");
        }
    }

    @Test
    void unreachableDatabaseIsOneLineNamingTheUrlWithoutPassword() throws Exception {
        String url = "jdbc:postgresql://127.0.0.1:" + BatchpipeProcess.freePort() + "/nowhere?password=hunter2";
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, Map.of("BATCHPIPE_DB_URL", url), "run")) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
            List<String> errors = p.output().lines().filter(l -> l.startsWith("batchpipe:")).toList();
            assertThat(errors).hasSize(1);
            assertThat(errors.get(0)).contains("/nowhere").contains("password=***").doesNotContain("hunter2");
            assertThat(p.output()).doesNotContain("hunter2").doesNotContain("\tat ");
        }
    }

    @Test
    void portInUseIsNamed() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Map<String, String> env = Map.of("BATCHPIPE_HTTP_PORT", Integer.toString(busy.getLocalPort()),
                    "BATCHPIPE_DB_URL", TestDatabase.freshUrl());
            try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "run")) {
                assertThat(p.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
                assertThat(p.output()).contains("batchpipe: HTTP port " + busy.getLocalPort())
                        .contains("already in use").doesNotContain("\tat ");
            }
        }
    }

    private static Jdbi embedded(Path pgData) throws Exception {
        int pgPort = Integer.parseInt(Files.readAllLines(pgData.resolve("postmaster.pid")).get(3).trim());
        return Jdbi.create("jdbc:postgresql://localhost:" + pgPort + "/postgres?user=postgres");
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
