package dev.batchpipe.cli;

import dev.batchpipe.Config;
import dev.batchpipe.StartupException;
import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.pipeline.DeadLetters;
import dev.batchpipe.pipeline.JobCompletion;
import dev.batchpipe.store.Database;
import dev.batchpipe.store.EmbeddedPostgresServer;
import dev.batchpipe.task.TaskRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.jdbi.v3.core.Jdbi;

/**
 * The database for commands that only read it ({@code status}, {@code batches}, {@code results}, {@code report} ...):
 * one JDBC connection to the configured PostgreSQL, or to the embedded one (joined when another batchpipe process runs
 * it), with the settings and tasks they need, and no Camel context, pool, migrations or routes, so that they answer in
 * about a second instead of the service's start-up.
 */
final class ReadOnlyDatabase implements AutoCloseable {

    private final SettingsFile settings;
    private final EmbeddedPostgresServer embedded;
    private final Connection connection;
    private final String url;
    private final String user;
    private final boolean hasSchema;

    private ReadOnlyDatabase(SettingsFile settings, EmbeddedPostgresServer embedded, Connection connection, String url,
                             String user) throws SQLException {
        this.settings = settings;
        this.embedded = embedded;
        this.connection = connection;
        this.url = url;
        this.user = user;
        try (var s = connection.createStatement(); var rs = s.executeQuery("SELECT to_regclass('jobs') IS NOT NULL")) {
            rs.next();
            this.hasSchema = rs.getBoolean(1);
        }
    }

    static ReadOnlyDatabase open() {
        SettingsFile settings = SettingsFile.load();
        String url = settings.get("batchpipe.db.url").orElse(null);
        String user = settings.get("batchpipe.db.user").orElse(null);
        String password = settings.get("batchpipe.db.password").orElse(null);
        EmbeddedPostgresServer embedded = null;
        if (url == null) {
            embedded = EmbeddedPostgresServer.startOrJoin(Path.of(settings.required("batchpipe.data-dir")),
                    Integer.parseInt(settings.required("batchpipe.db.embedded-port")));
            url = embedded.jdbcUrl();
            user = embedded.user();
        }
        Properties props = new Properties();
        if (user != null) {
            props.setProperty("user", user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("ApplicationName", "batchpipe");
        props.setProperty("connectTimeout", "10");
        try {
            return new ReadOnlyDatabase(settings, embedded, DriverManager.getConnection(url, props), url, user);
        } catch (SQLException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw new StartupException("Cannot connect to PostgreSQL at " + Database.redact(url) + ": "
                    + Database.redact(e.getMessage()), e);
        }
    }

    /** False on a database no batchpipe has migrated yet: there is nothing to show. */
    boolean hasSchema() {
        return hasSchema;
    }

    /** The one connection, for {@link dev.batchpipe.store.JobReports}; closed with this. */
    Connection connection() {
        return connection;
    }

    Jdbi jdbi() {
        return Jdbi.create(connection);
    }

    /** Dead letters to list: listing needs no task definitions (only a replay's job completion does). */
    DeadLetters deadLetters() {
        return new DeadLetters(jdbi(), new JobCompletion(new TaskRegistry(java.util.List.of())));
    }

    /** The settings, read from application.properties, the environment and -D alone. */
    Config config() {
        return new Config(settings);
    }

    PriceTable prices() {
        return PriceTable.fromConfig(config());
    }

    /** The tasks, built in and in batchpipe.tasks.dir, found without a Camel context. */
    TaskRegistry tasks() {
        return TaskRegistry.load(Path.of(settings.required("batchpipe.tasks.dir")));
    }

    String url() {
        return url;
    }

    String user() {
        return user;
    }

    /** The embedded server, when batchpipe runs its own PostgreSQL (null for BATCHPIPE_DB_URL). */
    EmbeddedPostgresServer embedded() {
        return embedded;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing a read-only connection: nothing to keep
        }
        if (embedded != null) {
            embedded.close();
        }
    }
}
