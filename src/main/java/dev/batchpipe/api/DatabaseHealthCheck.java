package dev.batchpipe.api;

import dev.batchpipe.store.Database;
import dev.batchpipe.store.DatabaseOutage;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Reports DOWN when PostgreSQL, our source of truth, does not answer. During an outage that a route already found, it
 * answers DOWN at once rather than wait for a connection; the heartbeat says when the database is back.
 */
public final class DatabaseHealthCheck extends AbstractHealthCheck {

    private final Database database;
    private final DatabaseOutage outage;

    public DatabaseHealthCheck(Database database, DatabaseOutage outage) {
        super("batchpipe", "database");
        this.database = database;
        this.outage = outage;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("database", database.description());
        if (outage.ongoing()) {
            builder.message("database unreachable");
            builder.down();
            return;
        }
        try {
            database.ping();
            builder.up();
        } catch (Exception e) {
            if (DatabaseOutage.explains(e)) {
                outage.gone(e);
            }
            builder.message("database unreachable: " + Database.redact(e.getMessage()));
            builder.down();
        }
    }
}
