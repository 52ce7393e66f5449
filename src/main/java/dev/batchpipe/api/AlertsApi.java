package dev.batchpipe.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.batchpipe.store.RecentAlerts;
import java.util.List;

/** {@code GET /api/alerts?limit=&cursor=}: the alerts raised, newest first, a page at a time. */
public final class AlertsApi {

    /** A page of alerts; {@code next_cursor} asks for the next one (null on the last page). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Page(List<RecentAlerts.AlertView> items, String nextCursor) {
    }

    private final RecentAlerts alerts;

    public AlertsApi(RecentAlerts alerts) {
        this.alerts = alerts;
    }

    /** {@code limit}: default 50, at most 500; {@code cursor}: the {@code next_cursor} of the page before. */
    public Page list(String limit, String cursor) {
        Long n = ApiProblem.number("limit", limit);
        int size = n == null ? 50 : (int) Math.max(1, Math.min(n, 500));
        List<RecentAlerts.AlertView> items = alerts.page(ApiProblem.number("cursor", cursor), size);
        return new Page(items, items.size() < size ? null : String.valueOf(items.get(items.size() - 1).id()));
    }
}
