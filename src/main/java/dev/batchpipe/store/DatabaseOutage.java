package dev.batchpipe.store;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether PostgreSQL is away. Every route that finds it unreachable reports here ({@link #gone}); the log says once
 * that it went and once, from the next successful heartbeat ({@link #over}), that it is back, instead of a failure per
 * route and tick. Nothing is lost meanwhile: whatever failed is still in its previous state in the database.
 */
public final class DatabaseOutage {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseOutage.class);

    private final AtomicReference<Instant> since = new AtomicReference<>();

    /**
     * A failure that says the database cannot be reached (no connection, a connection lost or refused, the server
     * shutting down), rather than something wrong with a statement or the data.
     */
    public static boolean explains(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException
                    || t instanceof ConnectException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
            // HikariCP's stand-in for a pooled connection it closed under a running step (the server went away): no
            // SQLState, only these words
            if (t instanceof SQLException sql && sql.getSQLState() == null && "Connection is closed".equals(sql.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /** The database was found unreachable; logged only when it was thought reachable until now. */
    public void gone(Throwable failure) {
        if (since.compareAndSet(null, Instant.now())) {
            LOG.warn("The database is unreachable ({}): work waits and resumes by itself once it is back", reason(failure));
        }
    }

    /** The database answered; when it was away, says for how long and returns true. */
    public boolean over() {
        Instant was = since.getAndSet(null);
        if (was != null) {
            LOG.info("The database is back after {} s: work resumes", Duration.between(was, Instant.now()).toSeconds());
        }
        return was != null;
    }

    public boolean ongoing() {
        return since.get() != null;
    }

    private static String reason(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return Database.redact(message.lines().findFirst().orElse(message));
    }
}
