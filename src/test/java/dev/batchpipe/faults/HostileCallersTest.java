package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.BatchpipeConfiguration;
import dev.batchpipe.FetchConfiguration;
import dev.batchpipe.OperatorConfiguration;
import dev.batchpipe.QuotaConfiguration;
import dev.batchpipe.RealtimeConfiguration;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.DatabaseTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The HTTP API (the real routes and server, in this JVM) against hostile callers: each is answered with a clear 4xx
 * RFC 9457 problem, and nothing is written (no job, no upload left behind).
 */
@CamelMainTest(configurationClasses = {BatchpipeConfiguration.class, OperatorConfiguration.class,
        FetchConfiguration.class, RealtimeConfiguration.class,
        QuotaConfiguration.class}, properties = {
        "batchpipe.sandbox=true",
        "batchpipe.pack.interval-ms=3600000",
        "batchpipe.api.token=hostile-test-token",
        "batchpipe.api.max-body-bytes=100000",
        "batchpipe.api.read-timeout=1s"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileCallersTest extends DatabaseTest {

    private static final String TOKEN = "Bearer hostile-test-token";
    private static int port;
    private static Path work;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void aPortAndADataDir() throws IOException {
        port = BatchpipeProcess.freePort();
        work = Files.createTempDirectory("batchpipe-hostile");
        System.setProperty("batchpipe.http.port", Integer.toString(port));
        System.setProperty("batchpipe.data-dir", work.resolve("data").toString());
        System.setProperty("batchpipe.inbox.dir", work.resolve("inbox").toString());
    }

    @AfterAll
    static void forget() {
        List.of("batchpipe.http.port", "batchpipe.data-dir", "batchpipe.inbox.dir").forEach(System::clearProperty);
    }

    @AfterEach
    void nothingWritten() throws IOException {
        assertThat(count("SELECT count(*) FROM jobs")).as("jobs").isZero();
        Path uploads = work.resolve("data/uploads");
        if (Files.exists(uploads)) {
            try (Stream<Path> files = Files.list(uploads)) {
                assertThat(files).as("uploads left behind").isEmpty();
            }
        }
    }

    @Test
    @Order(1)
    void aBodyOverTheLimitIs413BeforeItIsRead() throws Exception {
        byte[] big = articles(2_000);
        assertThat(big.length).isGreaterThan(100_000);
        // the length is declared: refused on the headers, before any of the body is read
        assertThat(rawPost(big.length, "")).startsWith("HTTP/1.1 413").contains("application/problem+json")
                .contains("BATCHPIPE_MAX_BODY_BYTES");
        // without a Content-Length (chunked), the body is measured as it arrives
        HttpResponse<String> chunked = post("/api/jobs/news-classification", "application/x-ndjson", TOKEN,
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
        assertProblem(chunked, 413, "BATCHPIPE_MAX_BODY_BYTES");
    }

    @Test
    @Order(2)
    void anUnknownOrMalformedContentTypeIs415() throws Exception {
        for (String type : List.of("application/xml", "text/", ";;;", "application/json-seq", "*/*")) {
            HttpResponse<String> r = post("/api/jobs/news-classification", type, TOKEN,
                    HttpRequest.BodyPublishers.ofString("{\"id\":\"a\"}"));
            assertProblem(r, 415, "application/x-ndjson");
        }
    }

    @Test
    @Order(3)
    void anUnknownTaskIs404AndAHostileNameIsRefusedWithoutBeingRepeated() throws Exception {
        assertProblem(post("/api/jobs/no-such-task", "application/x-ndjson", TOKEN, body()), 404, "no task named");
        for (String name : List.of("..%2F..%2Fetc%2Fpasswd", "news-classification'%3B%20DROP%20TABLE%20jobs%3B--",
                "news%0D%0AX-Injected:%20yes", "news%00", "News_Classification")) {
            HttpResponse<String> r = post("/api/jobs/" + name, "application/x-ndjson", TOKEN, body());
            assertThat(r.statusCode()).as(name).isBetween(400, 499);
            assertThat(r.headers().firstValue("Content-Type")).as(name).hasValue("application/problem+json");
            assertThat(r.headers().map()).as(name).doesNotContainKey("X-Injected");
            assertThat(r.body()).as(name).doesNotContain("DROP").doesNotContain("passwd").doesNotContain("Injected");
        }
        assertThat(count("SELECT count(*) FROM pg_tables WHERE tablename = 'jobs'")).isEqualTo(1);
    }

    @Test
    @Order(4)
    void oversizedHeadersAreRefused() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base() + "/api/jobs/news-classification"))
                .header("Authorization", TOKEN).header("Content-Type", "application/x-ndjson")
                .header("X-Padding", "x".repeat(20_000)).timeout(Duration.ofSeconds(20)).POST(body()).build();
        // refused by the HTTP server itself, before any route; still a problem body
        assertProblem(http.send(request, HttpResponse.BodyHandlers.ofString()), 431, "headers are larger");
        HttpRequest longLine = HttpRequest.newBuilder(URI.create(base() + "/api/jobs/" + "x".repeat(5_000)))
                .timeout(Duration.ofSeconds(20)).GET().build();
        assertProblem(http.send(longLine, HttpResponse.BodyHandlers.ofString()), 414, "request line");
    }

    @Test
    @Order(5)
    void aSlowUploadEndsInAReadTimeout() throws Exception {
        long started = System.nanoTime();
        assertThat(rawPost(5000, "{\"id\":")).startsWith("HTTP/1.1 408").contains("application/problem+json")
                .contains("\"status\":408").contains("stopped arriving");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
    }

    /** A POST written by hand: its headers declare {@code length} bytes, of which only {@code sent} follow. */
    private static String rawPost(long length, String sent) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /api/jobs/news-classification HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " + TOKEN
                    + "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + length + "\r\n\r\n" + sent)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(readAll(socket.getInputStream()), StandardCharsets.UTF_8);
        }
    }

    @Test
    @Order(6)
    void repeatedAuthFailuresFromOneAddressAreSlowedDown() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertProblem(post("/api/jobs/news-classification", "application/x-ndjson", "Bearer guess-" + i, body()),
                    401, "Bearer token");
        }
        HttpResponse<String> throttled = post("/api/jobs/news-classification", "application/x-ndjson", TOKEN, body());
        assertProblem(throttled, 429, "too many refused calls");
        assertThat(throttled.headers().firstValue("Retry-After")).isPresent();
        // reading stays open
        await().atMost(Duration.ofSeconds(5)).until(() -> http.send(HttpRequest.newBuilder(URI.create(base() + "/api/jobs"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    private static void assertProblem(HttpResponse<String> r, int status, String detail) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(r.body()).contains("\"status\":" + status).contains("\"title\":").contains(detail);
    }

    private HttpResponse<String> post(String path, String type, String authorization, HttpRequest.BodyPublisher body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).POST(body).timeout(Duration.ofSeconds(20))
                .header("Authorization", authorization);
        if (!type.isEmpty()) {
            b.header("Content-Type", type);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.BodyPublisher body() {
        return HttpRequest.BodyPublishers.ofString("{\"id\":\"h-1\",\"title\":\"t\",\"contents\":\"c\"}\n");
    }

    private static String base() {
        return "http://127.0.0.1:" + port;
    }

    private static byte[] articles(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("{\"id\":\"big-").append(i).append("\",\"title\":\"Title ").append(i)
                    .append("\",\"contents\":\"Some contents of the article.\"}\n");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }
}
