package dev.batchpipe.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.batchpipe.Batchpipe;
import dev.batchpipe.support.ServiceTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * An alert rule fires once for its event: raised once, logged, shown by the API and the CLI, and POSTed once to the
 * webhook (a local HTTP server here), which a retry reaches after it refused the first attempt.
 */
class AlertsTest extends ServiceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer hook;
    private final AtomicInteger attempts = new AtomicInteger();
    private final List<String> accepted = new CopyOnWriteArrayList<>();

    @Override
    protected Map<String, String> serviceSettings() {
        try {
            hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        hook.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            // the first attempt is refused, as by a webhook that is briefly down
            int status = attempts.incrementAndGet() == 1 ? 503 : 204;
            if (status == 204) {
                accepted.add(exchange.getRequestHeaders().getFirst("Content-Type") + " "
                        + new String(body, StandardCharsets.UTF_8));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        hook.start();
        return Map.of("batchpipe.alerts.webhook-url", "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook",
                "batchpipe.alerts.webhook-retry-delay", "100");
    }

    @AfterAll
    void stopHook() {
        hook.stop(0);
    }

    @Test
    void aNewDeadLetterIsAlertedOnceAndTheWebhookReceivesItOnce() throws Exception {
        sandbox.faults().openAi().invalidAnswerFraction(1.0);
        long job = process("news-classification", "alerts.jsonl", articles("al", 1), "openai", null);
        awaitFinished(job);
        sandbox.faults().reset();

        await().atMost(Duration.ofSeconds(20)).until(() -> accepted.size() == 1);
        // evaluations go on every 200 ms: the same event is neither raised nor sent again
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> accepted.size() == 1
                && count("SELECT count(*) FROM alerts") == 1);
        assertThat(attempts.get()).as("the refused attempt, then the one that was taken").isEqualTo(2);

        String[] delivered = accepted.get(0).split(" ", 2);
        assertThat(delivered[0]).startsWith("application/json");
        JsonNode alert = JSON.readTree(delivered[1]);
        assertThat(alert.path("rule").asText()).isEqualTo("dead_letters");
        assertThat(alert.path("severity").asText()).isEqualTo("warning");
        assertThat(alert.path("subject").asText()).isEqualTo("news-classification");
        assertThat(alert.path("message").asText()).contains("1 new dead letter(s)")
                .contains("batchpipe dead-letters --task news-classification");
        assertThat(alert.path("details").path("last_id").asLong())
                .isEqualTo(count("SELECT max(id) FROM dead_letters WHERE job_id = ?", job));
        assertThat(alert.path("created_at").asText()).isNotEmpty();
        assertThat(text("SELECT webhook_state FROM alerts")).isEqualTo("sent");

        // GET /api/alerts
        var page = get("/api/alerts?limit=10");
        assertThat(page.statusCode()).isEqualTo(200);
        JsonNode items = JSON.readTree(page.body()).path("items");
        assertThat(items).hasSize(1);
        assertThat(items.get(0).path("rule").asText()).isEqualTo("dead_letters");
        assertThat(items.get(0).path("webhook_state").asText()).isEqualTo("sent");
        assertThat(JSON.readTree(page.body()).path("next_cursor").isNull()).isTrue();
        assertThat(get("/api/alerts?cursor=x").statusCode()).isEqualTo(400);

        // batchpipe alerts reads the same, with no Camel of its own
        assertThat(cli("alerts")).contains("dead_letters").contains("warning").contains("sent")
                .contains("1 new dead letter(s)");
    }

    private static String cli(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(Batchpipe.execute(args)).isZero();
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
