package dev.batchpipe.api;

import java.util.Comparator;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

/** Camel's health checks (PostgreSQL: {@link DatabaseHealthCheck}; the routes; the consumers) as the API answers them. */
public final class ServiceHealth {

    public record Check(String id, String group, String state, String message) {
    }

    /** {@code status}: UP when every check is up (or unknown), else DOWN. */
    public record Health(String status, List<Check> checks) {
    }

    private final CamelContext context;

    public ServiceHealth(CamelContext context) {
        this.context = context;
    }

    public Health check() {
        List<Check> checks = HealthCheckHelper.invoke(context).stream()
                .map(r -> new Check(r.getCheck().getId(), r.getCheck().getGroup(), r.getState().name(),
                        r.getMessage().orElse(null)))
                .sorted(Comparator.comparing(Check::id)).toList();
        boolean down = checks.stream().anyMatch(c -> c.state().equals(HealthCheck.State.DOWN.name()));
        return new Health(down ? "DOWN" : "UP", checks);
    }
}
