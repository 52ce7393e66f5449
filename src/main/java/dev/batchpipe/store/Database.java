package dev.batchpipe.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.batchpipe.StartupException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.apache.camel.Service;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL batchpipe keeps its state in: an external server (BATCHPIPE_DB_URL) or the embedded one, behind a
 * HikariCP pool, migrated by Flyway from {@code sql/} before anything else touches it.
 *
 * <p>Registered as a Camel service so that it closes after the routes have stopped.
 */
public final class Database implements Service, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    private static final Pattern SECRET_PARAM = Pattern.compile("(?i)(password|sslpassword)=[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("//[^/@]*@");
    /**
     * pgjdbc-ng logs through java.util.logging, to stderr, a line per connection the server ends; a database outage
     * is said once by DatabaseOutage instead. Held here so that the setting is not collected with the logger.
     */
    private static final java.util.logging.Logger PGJDBC_NG = java.util.logging.Logger.getLogger("com.impossibl.postgres");

    static {
        PGJDBC_NG.setLevel(java.util.logging.Level.SEVERE);
    }

    private final HikariDataSource dataSource;
    private final EmbeddedPostgresServer embedded;
    private final Jdbi jdbi;
    private final String description;
    private final String url;
    private final String user;
    private final String password;

    private Database(HikariDataSource dataSource, EmbeddedPostgresServer embedded, String description, String url,
                     String user, String password) {
        this.dataSource = dataSource;
        this.embedded = embedded;
        this.jdbi = Jdbi.create(dataSource);
        this.description = description;
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** {@code embeddedPort}: where a new embedded server listens (BATCHPIPE_EMBEDDED_PORT; 0: any free port). */
    public record Settings(String url, String user, String password, Path dataDir, int poolSize, int embeddedPort) {

        /** An external database, or an embedded one on any free port. */
        public Settings(String url, String user, String password, Path dataDir, int poolSize) {
            this(url, user, password, dataDir, poolSize, 0);
        }

        public boolean embedded() {
            return url == null || url.isBlank();
        }
    }

    /** Connects (starting the embedded server when no URL is set), migrates, and returns the ready database. */
    public static Database open(Settings settings) {
        EmbeddedPostgresServer embedded = null;
        String url = settings.url();
        String user = settings.user();
        String password = settings.password();
        String description;
        if (settings.embedded()) {
            embedded = EmbeddedPostgresServer.startOrJoin(settings.dataDir(), settings.embeddedPort());
            url = embedded.jdbcUrl();
            user = embedded.user();
            password = null;
            description = "embedded PostgreSQL in " + embedded.dataDirectory() + " (port " + embedded.port()
                    + (embedded.owner() ? "" : ", run by another batchpipe process") + ")";
        } else {
            description = "PostgreSQL at " + redact(url) + (user == null || user.isBlank() ? "" : " as " + user);
        }
        HikariDataSource ds;
        try {
            ds = pool(url, user, password, settings.poolSize());
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw new StartupException("Cannot connect to " + description + ": " + rootMessage(e), e);
        }
        Database db = new Database(ds, embedded, description, url, user, password);
        try {
            db.migrate();
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
        LOG.info("Using {}", description);
        return db;
    }

    private static HikariDataSource pool(String url, String user, String password, int poolSize) {
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL (expected jdbc:postgresql://host:port/db)");
        }
        HikariConfig config = new HikariConfig();
        config.setPoolName("batchpipe");
        config.setJdbcUrl(url);
        if (user != null && !user.isBlank()) {
            config.setUsername(user);
        }
        if (password != null && !password.isBlank()) {
            config.setPassword(password);
        }
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(10_000);
        config.addDataSourceProperty("connectTimeout", "10");
        config.addDataSourceProperty("ApplicationName", "batchpipe");
        try {
            return new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            throw new IllegalStateException(rootMessage(e), e);
        }
    }

    private void migrate() {
        try {
            var result = Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:sql")
                    .load()
                    .migrate();
            // targetSchemaVersion is null when nothing was applied: the schema is then still at its initial version
            LOG.info("Database schema at version {} ({} migration(s) applied now)",
                    result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion,
                    result.migrationsExecuted);
        } catch (FlywayException e) {
            throw new StartupException("Migrating " + description + " failed: " + rootMessage(e), e);
        }
    }

    /** A JDBC URL fit for logs and errors: passwords in the query string or user-info part are masked. */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        return USER_INFO.matcher(SECRET_PARAM.matcher(url).replaceAll("$1=***")).replaceAll("//***@");
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return redact(msg.lines().findFirst().orElse(msg));
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public String description() {
        return description;
    }

    /**
     * A data source for LISTEN (camel-pgevent), which needs the pgjdbc-ng driver rather than the pool's: the same
     * server, database and credentials, on a connection of its own.
     * Its listeners learn that their connection closed off pgjdbc-ng's I/O threads ({@link NotificationDataSource}).
     */
    public DataSource notificationDataSource() {
        java.net.URI u = java.net.URI.create(url.substring("jdbc:".length()));
        com.impossibl.postgres.jdbc.PGDataSource ds = new com.impossibl.postgres.jdbc.PGDataSource();
        ds.setHost(u.getHost());
        ds.setPort(u.getPort() > 0 ? u.getPort() : 5432);
        ds.setDatabaseName(u.getPath().isEmpty() ? "postgres" : u.getPath().substring(1));
        String u2 = user;
        String p2 = password;
        if (u.getQuery() != null) {
            for (String kv : u.getQuery().split("&")) {
                String[] pair = kv.split("=", 2);
                if (pair.length == 2 && pair[0].equals("user") && (u2 == null || u2.isBlank())) {
                    u2 = pair[1];
                } else if (pair.length == 2 && pair[0].equals("password") && (p2 == null || p2.isBlank())) {
                    p2 = pair[1];
                }
            }
        }
        ds.setUser(u2 == null || u2.isBlank() ? "postgres" : u2);
        if (p2 != null && !p2.isBlank()) {
            ds.setPassword(p2);
        }
        return new NotificationDataSource(ds);
    }

    /** Cheap liveness probe for the health check. */
    public void ping() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            if (!c.isValid(2)) {
                throw new SQLException("connection not valid");
            }
        }
    }

    @Override
    public void start() {
        // opened eagerly by open(): the routes must not start on a database that is not migrated
    }

    @Override
    public void stop() {
        close();
    }

    @Override
    public void close() {
        if (!dataSource.isClosed()) {
            dataSource.close();
        }
        if (embedded != null) {
            embedded.close();
        }
    }
}
