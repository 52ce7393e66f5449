package dev.batchpipe.cli;

import dev.batchpipe.StartupException;
import dev.batchpipe.store.Database;
import dev.batchpipe.store.EmbeddedPostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import org.jdbi.v3.core.Jdbi;

/**
 * The database for commands that only read it ({@code status}, {@code dead-letters}, {@code db}): one JDBC connection
 * to the configured PostgreSQL, or to the embedded one (joined when another batchpipe process runs it), with no pool,
 * no migrations and no routes, so that they answer in a fraction of a second.
 */
final class ReadOnlyDatabase implements AutoCloseable {

    private final EmbeddedPostgresServer embedded;
    private final Connection connection;
    private final String url;
    private final String user;
    private final boolean hasSchema;

    private ReadOnlyDatabase(EmbeddedPostgresServer embedded, Connection connection, String url, String user)
            throws SQLException {
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
            return new ReadOnlyDatabase(embedded, DriverManager.getConnection(url, props), url, user);
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
