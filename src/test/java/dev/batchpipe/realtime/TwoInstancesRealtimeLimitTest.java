package dev.batchpipe.realtime;

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
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two services (separate processes) on one PostgreSQL, calling one sandbox account whose realtime limit is far below
 * what their 2 × 16 callers could send: both take part, and together they stay under the one limit, because the
 * token buckets live in PostgreSQL. The sandbox, not batchpipe, counts the refusals.
 */
class TwoInstancesRealtimeLimitTest {

    private static final int RPM = 30;
    private static final int ITEMS = 60;

    @TempDir
    Path dir;

    private final Map<String, Integer> ports = new HashMap<>();

    @Test
    void twoServicesTogetherStayUnderOneAccountsLimit() throws Exception {
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        // speed 6: a simulated minute lasts ten seconds, long enough that two processes' scheduling jitter on a busy
        // machine is small beside it, as it is beside a real minute
        try (SandboxServer sandbox = SandboxServer.start(SandboxConfig.builder().speed(6)
                .stageDelay(Duration.ofMillis(200)).tickInterval(Duration.ofMillis(20)).build());
             BatchpipeProcess a = instance("a", url, sandbox);
             BatchpipeProcess b = instance("b", url, sandbox)) {
            sandbox.faults().openAi().realtimeRequestsPerMinute(RPM);
            int portA = ports.get("a");
            a.awaitHttp200("http://127.0.0.1:" + portA + "/observe/health", Duration.ofSeconds(90));
            b.awaitHttp200("http://127.0.0.1:" + ports.get("b") + "/observe/health", Duration.ofSeconds(90));

            String body = IntStream.rangeClosed(1, ITEMS).mapToObj(i -> "{\"id\":\"two-rt-" + i
                    + "\",\"title\":\"Title " + i + "\",\"contents\":\"Some article text " + i + ".\"}")
                    .collect(Collectors.joining("\n", "", "\n"));
            HttpResponse<String> submitted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + portA + "/api/jobs/news-classification?mode=realtime"))
                    .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(submitted.statusCode()).as(submitted.body()).isBetween(200, 202);

            // the instances that hold realtime calls (claimed, waiting for the limit or in flight), sampled as it runs
            Set<String> callers = ConcurrentHashMap.newKeySet();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).until(() -> {
                callers.addAll(db.withHandle(h -> h.createQuery(
                        "SELECT DISTINCT call_owner FROM requests WHERE call_owner IS NOT NULL").mapTo(String.class).list()));
                return count(db, "SELECT count(*) FROM news_classifications WHERE article_id LIKE 'two-rt-%'") == ITEMS;
            });

            assertThat(callers).as("both instances made calls:\n" + a.output() + "\n" + b.output()).hasSize(2);
            long refused = sandbox.stats().openai().rateLimited();
            // unshared, each instance would spend the whole allowance on its own and about half the calls of every
            // window would be refused; shared, a call whose connection delays it into the next window may still meet one
            assertThat(refused).as("calls the sandbox refused for its limit").isLessThanOrEqualTo(2);
            assertThat(sandbox.stats().openai().realtimeCalls()).isEqualTo(ITEMS + refused);
            assertThat(count(db, "SELECT count(*) FROM request_submissions")).as("each request called once")
                    .isEqualTo(ITEMS);
        }
    }

    private BatchpipeProcess instance(String id, String url, SandboxServer sandbox) throws Exception {
        int port = BatchpipeProcess.freePort();
        ports.put(id, port);
        Map<String, String> env = new HashMap<>();
        env.put("BATCHPIPE_DB_URL", url);
        env.put("BATCHPIPE_HTTP_PORT", "" + port);
        env.put("BATCHPIPE_QUARTZ_INSTANCE_ID", "instance-" + id);
        env.put("BATCHPIPE_OPENAI_RPM", "" + RPM);
        env.put("BATCHPIPE_REALTIME_LIMIT_PERIOD", "10s");
        env.put("OPENAI_API_KEY", "sk-two-realtime");
        env.put("OPENAI_BASE_URL", sandbox.openAiBaseUrl());
        return BatchpipeProcess.start(dir.resolve(id), env, "run");
    }

    private static long count(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
