package dev.batchpipe.sandbox;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox: one HTTP server that speaks the batch, file and realtime APIs of OpenAI (also Azure OpenAI),
 * Anthropic and Gemini, on simulated time, with injectable faults and quotas, and introspection under
 * {@code /sandbox}. It runs on its own Vert.x instance, keeps every file on disk, and persists batch state so a
 * sandbox restarted on the same data directory carries on.
 *
 * <pre>{@code
 * try (SandboxServer sandbox = SandboxServer.start(SandboxConfig.builder().speed(1000).build())) {
 *     sandbox.faults().openAi().rateLimitProbability(0.1);
 *     // point the OpenAI client at sandbox.openAiBaseUrl(), Anthropic's at sandbox.anthropicBaseUrl(), …
 *     assertThat(sandbox.stats().openai().batchesCreated()).isEqualTo(1);
 * }
 * }</pre>
 */
public final class SandboxServer implements Sandbox {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxServer.class);

    private final SandboxConfig config;
    private final SandboxFaults faults = new SandboxFaults();
    private final Counters counters = new Counters();
    private final ReceivedRequests received = new ReceivedRequests();
    private final DataDirectory data;
    private final Vertx vertx;
    private final BatchEngine engine;
    private volatile String baseUrl;
    private HttpServer http;

    private SandboxServer(SandboxConfig config) {
        this.config = config;
        this.data = new DataDirectory(config.dataDir());
        Map<Provider, BatchFormat> formats = new EnumMap<>(Provider.class);
        formats.put(Provider.OPENAI, new OpenAiFormat(config.counting()));
        formats.put(Provider.ANTHROPIC, new AnthropicFormat(config.counting()));
        formats.put(Provider.GEMINI, new GeminiFormat(config.counting(), data::file));
        this.engine = new BatchEngine(config, data, counters, faults, formats);
        // a Vert.x of our own, so the sandbox never competes with (or depends on) Camel's
        this.vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(8));
    }

    /** Binds {@code config.host():config.port()} (0 = a free port), resumes stored batches and starts serving. */
    public static SandboxServer start(SandboxConfig config) {
        SandboxServer server = new SandboxServer(config);
        try {
            server.listen();
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    private void listen() {
        Realtime realtime = new Realtime(config, faults, counters);
        Router router = Router.router(vertx);
        new AdminApi(this, engine).mount(router);
        router.route().handler(new ProviderCallFilter(config, faults, counters, received));
        Emulator emulator = new Emulator(config, data, engine, counters, realtime);
        new AnthropicApi(emulator).mount(router);
        new GeminiApi(emulator).mount(router);
        new OpenAiApi(emulator).mount(router);
        router.route().handler(ctx -> ctx.fail(ApiError.notFound("Unknown request URL: " + ctx.request().method()
                + " " + ctx.request().path() + ".")));
        router.route().failureHandler(new Failures());
        HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                .setAcceptBacklog(1024).setDecompressionSupported(true);
        try {
            http = vertx.createHttpServer(options).requestHandler(router).listen().toCompletionStage()
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
            baseUrl = "http://" + host + ":" + http.actualPort();
            engine.start();
        } catch (ExecutionException e) {
            throw new IllegalStateException("sandbox cannot listen on " + config.host() + ":" + config.port() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the sandbox", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("sandbox did not start listening within 30 s", e);
        } catch (IOException e) {
            throw new UncheckedIOException("sandbox cannot read its stored batches", e);
        }
        LOG.info("Sandbox listening on {} (data in {})", baseUrl, data.root());
    }

    public int port() {
        return http.actualPort();
    }

    /** {@code http://127.0.0.1:<port>} */
    @Override
    public String baseUrl() {
        return baseUrl;
    }

    /** The live fault and quota knobs; also reachable at {@code /sandbox/faults}. */
    public SandboxFaults faults() {
        return faults;
    }

    /** A snapshot of the introspection counts; also at {@code /sandbox/stats}. */
    public SandboxStats stats() {
        return counters.snapshot(engine.states());
    }

    /**
     * The provider calls received since start or the last reset, oldest first (the newest 2,000; bodies cut at
     * 64 KB; credentials masked); also at {@code /sandbox/requests}.
     */
    public List<ReceivedRequest> received() {
        return received.list();
    }

    void forgetReceived() {
        received.clear();
    }

    /** Zeroes the counters, forgets the received calls and turns all faults off; batches and files stay. */
    public void reset() {
        counters.reset();
        received.clear();
        faults.reset();
    }

    public SandboxConfig config() {
        return config;
    }

    /** The data directory in use (a temporary one when the configuration names none). */
    @Override
    public Path dataDir() {
        return data.root();
    }

    /** Already serving: {@link #start(SandboxConfig)} binds before it returns. */
    @Override
    public void start() {
    }

    /** Stops serving, saves every batch where it is, and deletes the data directory if it was temporary. */
    @Override
    public void stop() {
        if (http != null) {
            awaitClosed(http.close(), "HTTP server");
        }
        engine.close();
        awaitClosed(vertx.close(), "Vert.x");
        data.close();
    }

    private static void awaitClosed(Future<Void> closing, String what) {
        try {
            closing.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Sandbox {} did not close cleanly: {}", what, e.toString());
        }
    }
}
