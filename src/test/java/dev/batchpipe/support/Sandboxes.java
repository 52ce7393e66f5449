package dev.batchpipe.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The sandbox as a separate process (`batchpipe sandbox`), so it outlives the batchpipe processes a test kills. */
public final class Sandboxes implements AutoCloseable {

    private final BatchpipeProcess process;
    private final int port;

    private Sandboxes(BatchpipeProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static Sandboxes start(Path dir, String... options) throws Exception {
        int port = BatchpipeProcess.freePort();
        String[] args = new String[options.length + 5];
        args[0] = "sandbox";
        args[1] = "--port";
        args[2] = Integer.toString(port);
        args[3] = "--data-dir";
        args[4] = dir.resolve("sandbox-state").toString();
        System.arraycopy(options, 0, args, 5, options.length);
        BatchpipeProcess p = BatchpipeProcess.start(dir, Map.of(), args);
        Sandboxes s = new Sandboxes(p, port);
        p.awaitHttp200(s.baseUrl() + "/sandbox/stats", Duration.ofSeconds(60));
        return s;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public String openAiBaseUrl() {
        return baseUrl() + "/v1";
    }

    /** The introspection counts of one provider (openai, anthropic, gemini). */
    public JsonNode stats(String provider) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(baseUrl() + "/sandbox/stats")).build(), HttpResponse.BodyHandlers.ofString());
        return new ObjectMapper().readTree(r.body()).path(provider);
    }

    /** Sets faults through the admin endpoint, e.g. {"openai":{"lineErrorProbability":0.2}}. */
    public void faults(String json) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(baseUrl() + "/sandbox/faults"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("faults refused: " + r.body());
        }
    }

    @Override
    public void close() throws Exception {
        process.close();
    }
}
