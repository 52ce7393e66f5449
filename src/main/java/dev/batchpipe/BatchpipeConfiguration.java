package dev.batchpipe;

import dev.batchpipe.store.Database;
import dev.batchpipe.store.DatabaseHealthCheck;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;

/**
 * Wires batchpipe's beans into the Camel registry, where the YAML routes find them by name. Used by the CLI and by
 * {@code @CamelMainTest}, so tests boot exactly what production boots.
 */
public class BatchpipeConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        Config config = new Config(context);
        if (config.bool("camel.server.enabled", false)) {
            checkPortFree(config.string("batchpipe.http.host", "127.0.0.1"), config.integer("batchpipe.http.port", 8080));
        }
        Registry registry = context.getRegistry();

        Database database = Database.open(new Database.Settings(
                config.optional("batchpipe.db.url").orElse(null),
                config.optional("batchpipe.db.user").orElse(null),
                config.optional("batchpipe.db.password").orElse(null),
                config.dataDir(),
                config.integer("batchpipe.db.pool-size", 10)));
        context.addService(database, true, true);
        registry.bind("database", database);
        registry.bind("dataSource", database.dataSource());
        registry.bind("databaseHealthCheck", new DatabaseHealthCheck(database));
    }

    /** Vert.x would fail later with a bare "Address already in use"; say which setting to change instead. */
    private static void checkPortFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new StartupException("HTTP port " + port + " on " + host
                    + " is already in use (set BATCHPIPE_HTTP_PORT to a free port)");
        }
    }
}
