package dev.batchpipe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.DefaultMainShutdownStrategy;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Boots batchpipe's Camel routes. {@link Mode#SERVICE} is the long-running service ({@code batchpipe run}: HTTP,
 * inbox, timers); {@link Mode#COMMAND} is the camel-main profile {@code command} (application-command.properties),
 * the same routes without HTTP and without sweeping the inbox, for CLI commands that do one job while a service may
 * be running on the same database.
 */
public final class BatchpipeService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchpipeService.class);

    public enum Mode {
        SERVICE(null), COMMAND("command");

        private final String profile;

        Mode(String profile) {
            this.profile = profile;
        }
    }

    /** For commands that only read or write the database: the routes are loaded but none starts. */
    public static final Map<String, String> NO_ROUTES = Map.of("camel.main.auto-startup", "false");

    private final Main main;

    public BatchpipeService(Mode mode, Map<String, String> overrides) {
        main = new Main();
        // we handle SIGTERM/SIGINT ourselves (see runUntilStopped); Camel's hook would only log a misleading line
        if (main.getShutdownStrategy() instanceof DefaultMainShutdownStrategy strategy) {
            strategy.disableHangupSupport();
        }
        main.configure().addConfiguration(BatchpipeConfiguration.class);
        main.configure().addConfiguration(OperatorConfiguration.class);
        main.configure().addConfiguration(FetchConfiguration.class);
        main.configure().addConfiguration(RealtimeConfiguration.class);
        main.configure().addConfiguration(QuotaConfiguration.class);
        if (mode.profile != null) {
            main.configure().setProfile(mode.profile);
        }
        routesOnDisk().ifPresent(dir -> {
            main.addOverrideProperty("camel.main.routes-include-pattern", "file:" + dir + "/*.camel.yaml");
        });
        overrides.forEach(main::addOverrideProperty);
    }

    /**
     * A {@code routes/} folder on disk (BATCHPIPE_ROUTES_DIR, or ./routes) replaces the routes built into the jar,
     * so operators can adjust a route without rebuilding.
     */
    private static java.util.Optional<String> routesOnDisk() {
        String configured = System.getenv("BATCHPIPE_ROUTES_DIR");
        Path dir = Path.of(configured == null || configured.isBlank() ? "routes" : configured);
        try (var files = Files.list(dir)) {
            if (files.anyMatch(f -> f.getFileName().toString().endsWith(".camel.yaml"))) {
                return java.util.Optional.of(dir.toAbsolutePath().normalize().toString());
            }
        } catch (java.io.IOException e) {
            // no folder: the routes in the jar apply
        }
        return java.util.Optional.empty();
    }

    /**
     * Runs until SIGTERM/SIGINT, then stops gracefully: routes finish their in-flight exchanges, the database closes
     * last. We handle the signals ourselves (rather than through JVM shutdown hooks, which run concurrently) so the
     * shutdown is ordered and the process exits 0.
     */
    public int runUntilStopped() throws Exception {
        Runnable stop = main::completed;
        Signal.handle(new Signal("TERM"), s -> stop.run());
        Signal.handle(new Signal("INT"), s -> stop.run());
        main.run();
        return main.getExitCode();
    }

    /** Calls {@code ready} once every route has started (the service logs its ready line from there). */
    public void onStarted(java.util.function.Consumer<CamelContext> ready) {
        main.addMainListener(new org.apache.camel.main.MainListenerSupport() {
            @Override
            public void afterStart(org.apache.camel.main.BaseMainSupport support) {
                ready.accept(support.getCamelContext());
            }
        });
    }

    /** Calls {@code check} once the beans are bound and before any route starts: a refusal then sends nothing. */
    public void beforeRoutesStart(java.util.function.Consumer<CamelContext> check) {
        main.addMainListener(new org.apache.camel.main.MainListenerSupport() {
            @Override
            public void afterConfigure(org.apache.camel.main.BaseMainSupport support) {
                check.accept(support.getCamelContext());
            }
        });
    }

    /** Starts the routes and returns once they run (COMMAND mode); {@link #close()} stops them. */
    public CamelContext start() throws Exception {
        main.start();
        return main.getCamelContext();
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public <T> T bean(String name, Class<T> type) {
        return main.getCamelContext().getRegistry().lookupByNameAndType(name, type);
    }

    public ProducerTemplate template() {
        return main.getCamelContext().createProducerTemplate();
    }

    @Override
    public void close() {
        try {
            main.stop();
        } catch (Exception e) {
            LOG.warn("Stopping batchpipe failed: {}", e.getMessage());
        }
    }
}
