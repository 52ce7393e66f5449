package dev.batchpipe.support;

import dev.batchpipe.store.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL per test JVM, started once. The schema is migrated once into a template database; each test
 * class gets its own database copied from it ({@code CREATE DATABASE … TEMPLATE}), which takes milliseconds and
 * isolates the classes from each other without truncation.
 */
public final class TestDatabase {

    private static final String TEMPLATE = "batchpipe_template";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestDatabase() {
    }

    /** JDBC URL of a new, migrated, empty database. */
    public static synchronized String freshUrl() {
        try {
            if (server == null) {
                Path dir = Files.createTempDirectory("batchpipe-test-pg");
                server = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(true)
                        .setServerConfig("max_connections", "300")
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .setServerConfig("full_page_writes", "off")
                        .start();
                execute("CREATE DATABASE " + TEMPLATE);
                try (Database db = Database.open(new Database.Settings(url(TEMPLATE), "postgres", null, dir, 2))) {
                    // opening migrates; closing releases every connection so the template can be copied
                }
            }
            String name = "batchpipe_test_" + COUNTER.incrementAndGet();
            execute("CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
            return url(name);
        } catch (Exception e) {
            throw new IllegalStateException("test database: " + e.getMessage(), e);
        }
    }

    /** The server's postgres database, for tests that need a URL on which nothing is migrated yet. */
    public static synchronized String emptyDatabaseUrl() {
        freshUrl();
        String name = "batchpipe_empty_" + COUNTER.incrementAndGet();
        execute("CREATE DATABASE " + name);
        return url(name);
    }

    public static int port() {
        return server.getPort();
    }

    private static String url(String db) {
        return "jdbc:postgresql://localhost:" + server.getPort() + "/" + db + "?user=postgres";
    }

    private static void execute(String sql) {
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (Exception e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
