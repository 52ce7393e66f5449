package dev.batchpipe.store;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** The alerts raised, newest first, for {@code GET /api/alerts}, the dashboard and {@code batchpipe alerts}. */
public final class RecentAlerts {

    /** One raised alert, and what became of its webhook call ({@code sent}, {@code failed}, or null: none made). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record AlertView(long id, String rule, String severity, String subject, String message, Instant createdAt,
                            String webhookState) {
    }

    private final Jdbi jdbi;

    public RecentAlerts(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** At most {@code limit} alerts older than the alert {@code before} (null: from the newest). */
    public List<AlertView> page(Long before, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, rule, severity, subject, message, created_at, webhook_state FROM alerts
                        WHERE CAST(:before AS bigint) IS NULL OR id < :before ORDER BY id DESC LIMIT :limit""")
                .bind("before", before).bind("limit", limit)
                .map((rs, ctx) -> new AlertView(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getTimestamp(6).toInstant(), rs.getString(7)))
                .list());
    }
}
