package dev.batchpipe.support;

import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base class for tests that run batchpipe on a real PostgreSQL: each test class gets its own migrated database,
 * handed to Camel through the {@code batchpipe.db.url} system property (Camel lets system properties override
 * application.properties), and a Jdbi handle to assert on the tables.
 */
public abstract class DatabaseTest {

    protected static String dbUrl;
    protected static Jdbi db;

    @BeforeAll
    static void freshDatabase() {
        dbUrl = TestDatabase.freshUrl();
        db = Jdbi.create(dbUrl);
        System.setProperty("batchpipe.db.url", dbUrl);
    }

    @AfterAll
    static void forgetDatabase() {
        System.clearProperty("batchpipe.db.url");
    }

    protected static String text(String sql, Object... args) {
        return db.withHandle(h -> {
            var q = h.createQuery(sql);
            for (int i = 0; i < args.length; i++) {
                q.bind(i, args[i]);
            }
            return q.mapTo(String.class).one();
        });
    }

    protected static long count(String sql, Object... args) {
        return db.withHandle(h -> {
            var q = h.createQuery(sql);
            for (int i = 0; i < args.length; i++) {
                q.bind(i, args[i]);
            }
            return q.mapTo(Long.class).one();
        });
    }
}
