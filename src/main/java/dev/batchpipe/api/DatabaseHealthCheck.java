package dev.batchpipe.api;

import dev.batchpipe.store.Database;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** Reports DOWN when PostgreSQL, our source of truth, does not answer. */
public final class DatabaseHealthCheck extends AbstractHealthCheck {

    private final Database database;

    public DatabaseHealthCheck(Database database) {
        super("batchpipe", "database");
        this.database = database;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        builder.detail("database", database.description());
        try {
            database.ping();
            builder.up();
        } catch (Exception e) {
            builder.message("database unreachable: " + Database.redact(e.getMessage()));
            builder.down();
        }
    }
}
