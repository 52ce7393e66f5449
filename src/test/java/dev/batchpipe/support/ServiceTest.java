package dev.batchpipe.support;

import dev.batchpipe.BatchpipeConfiguration;
import dev.batchpipe.FetchConfiguration;
import dev.batchpipe.OperatorConfiguration;
import dev.batchpipe.RealtimeConfiguration;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.apache.camel.test.main.junit5.CamelMainTest;

/**
 * A {@link PipelineTest} that is the whole service, in this JVM: every route file (the API, the dashboard, alerts and
 * metrics among them) and HTTP on a free port of 127.0.0.1, with the alert and metric timers fast. The settings are
 * PipelineTest's, but for those (this annotation replaces its one).
 */
@CamelMainTest(configurationClasses = {BatchpipeConfiguration.class, OperatorConfiguration.class,
        FetchConfiguration.class, RealtimeConfiguration.class}, properties = {
        "batchpipe.poll.tick=100ms",
        "batchpipe.poll.first-interval=100ms",
        "batchpipe.poll.max-interval=300ms",
        "batchpipe.pack.interval-ms=3600000",
        "batchpipe.inbox.settle-time=100ms",
        "batchpipe.http-retry.base-delay=10ms",
        "batchpipe.http-retry.max-delay=200ms",
        "batchpipe.lease=10s",
        "batchpipe.quota.backoff=500ms",
        "batchpipe.metrics.refresh-interval=200ms",
        "batchpipe.alerts.interval=200ms"})
public abstract class ServiceTest extends PipelineTest {

    protected final int port = BatchpipeProcess.freePort();
    protected final HttpClient http = HttpClient.newHttpClient();

    /** The service's address, {@code http://127.0.0.1:<port>}. */
    protected String base() {
        return "http://127.0.0.1:" + port;
    }

    /** Settings of a test class on top of the service's port. */
    protected Map<String, String> serviceSettings() {
        return Map.of();
    }

    @Override
    protected final Map<String, String> settings() {
        Map<String, String> all = new HashMap<>(serviceSettings());
        all.put("batchpipe.http.port", String.valueOf(port));
        return all;
    }

    protected HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path, null, null);
    }

    /** A call with a body of {@code contentType} (null: none), as it is sent. */
    protected HttpResponse<String> send(String method, String path, String contentType, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
