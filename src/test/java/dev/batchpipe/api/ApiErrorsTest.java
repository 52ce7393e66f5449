package dev.batchpipe.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API refuses bad calls with 4xx problems, reflects no input in headers, and writes plain decimals. */
class ApiErrorsTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private String base;

    @Test
    void badCallsGetProblemsNotServerErrors() throws Exception {
        int port = BatchpipeProcess.freePort();
        base = "http://127.0.0.1:" + port;
        String db = TestDatabase.freshUrl();
        try (BatchpipeProcess service = BatchpipeProcess.start(dir, Map.of("BATCHPIPE_DB_URL", db,
                "BATCHPIPE_SANDBOX", "true", "BATCHPIPE_HTTP_PORT", "" + port), "run")) {
            service.awaitHttp200(base + "/observe/health", Duration.ofSeconds(120));
            byte[] sample = Files.readAllBytes(Path.of("samples/news.jsonl"));

            // curl --data-binary @samples/news.jsonl: a form Content-Type, and a body larger than a form field may be
            for (byte[] body : new byte[][] {sample, "{\"id\":\"a\"}".getBytes()}) {
                HttpResponse<String> form = send("POST", "/api/jobs/news-classification",
                        "application/x-www-form-urlencoded", body);
                assertThat(form.statusCode()).isEqualTo(415);
                assertThat(form.headers().firstValue("Content-Type")).hasValue("application/problem+json");
                assertThat(form.body()).contains("\"status\":415").contains("\"title\":\"Unsupported Media Type\"")
                        .contains("application/x-ndjson").contains("text/csv");
            }
            HttpResponse<String> badId = send("GET", "/api/jobs/abc?limit=1", null, null);
            assertThat(badId.statusCode()).isEqualTo(400);
            assertThat(badId.body()).contains("\"type\":\"about:blank\"").contains("job id must be a whole number");
            assertThat(badId.headers().map()).doesNotContainKey("limit");
            HttpResponse<String> badJob = send("POST", "/api/dead-letters/replay?job=abc", null, null);
            assertThat(badJob.statusCode()).isEqualTo(400);
            assertThat(badJob.body()).contains("job must be a whole number");
            assertThat(badJob.headers().map()).doesNotContainKey("job");

            HttpResponse<String> accepted = send("POST", "/api/jobs/news-classification", "application/x-ndjson", sample);
            assertThat(accepted.statusCode()).isEqualTo(202);
            HttpResponse<String> list = send("GET", "/api/jobs?limit=1", null, null);
            assertThat(list.statusCode()).isEqualTo(200);
            assertThat(list.headers().map()).doesNotContainKey("limit");
            assertThat(list.body()).containsPattern("\"cost_usd\":\\d+\\.\\d+").doesNotContain("E-");
            assertThat(send("GET", "/api/jobs/999", null, null).statusCode()).isEqualTo(404);

            // the same articles again add nothing; force=true processes them again, in a job of their own
            assertThat(send("POST", "/api/jobs/news-classification", "application/x-ndjson", sample).statusCode())
                    .isEqualTo(202);
            assertThat(count(db, "SELECT count(*) FROM requests")).isEqualTo(25);
            assertThat(send("POST", "/api/jobs/news-classification?force=true", "application/x-ndjson", sample)
                    .statusCode()).isEqualTo(202);
            assertThat(count(db, "SELECT count(DISTINCT job_id) FROM requests")).isEqualTo(2);
            assertThat(count(db, "SELECT count(*) FROM requests")).isEqualTo(50);

            assertThat(service.output()).doesNotContain("\tat ").doesNotContain("Exception");
        }
    }

    private static long count(String url, String sql) throws Exception {
        try (var c = java.sql.DriverManager.getConnection(url); var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private HttpResponse<String> send(String method, String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
