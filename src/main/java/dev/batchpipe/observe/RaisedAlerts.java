package dev.batchpipe.observe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import org.apache.camel.http.base.HttpOperationFailedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * The alerts table: an alert is raised when its event key is new, so of all evaluations (on every instance) that see
 * an event, one raises it, logs it and sends it to the webhook. The webhook's outcome is recorded on the alert, and it
 * is never tried again.
 */
public final class RaisedAlerts {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An alert as raised: what the log shows and the webhook receives. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Raised(long id, String rule, String severity, String subject, String message,
                         Map<String, Object> details, Instant createdAt) {
    }

    private final Jdbi jdbi;

    public RaisedAlerts(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The alerts whose events were not raised before, now raised. */
    public List<Raised> raise(List<AlertRules.Alert> alerts) {
        List<Raised> raised = new ArrayList<>();
        jdbi.useTransaction(h -> {
            for (AlertRules.Alert a : alerts) {
                h.createQuery("""
                                INSERT INTO alerts (rule, event_key, severity, subject, message, details)
                                VALUES (:rule, :key, :severity, :subject, :message, :details::jsonb)
                                ON CONFLICT (event_key) DO NOTHING RETURNING id, created_at""")
                        .bind("rule", a.rule()).bind("key", a.key()).bind("severity", a.severity())
                        .bind("subject", a.subject()).bind("message", a.message()).bind("details", json(a.details()))
                        .map((rs, ctx) -> new Raised(rs.getLong(1), a.rule(), a.severity(), a.subject(), a.message(),
                                a.details(), rs.getTimestamp(2).toInstant()))
                        .findOne().ifPresent(raised::add);
            }
        });
        return raised;
    }

    /** The webhook took the alert. */
    public void sent(long id) {
        webhook(id, "sent", null);
    }

    /**
     * The webhook refused the alert after every retry; it is not sent again. The error is kept as a status or an
     * exception type only: a webhook's URL often carries its secret, and HTTP errors quote the URL.
     */
    public String failed(long id, Exception error) {
        String why = error instanceof HttpOperationFailedException http ? "HTTP " + http.getStatusCode()
                : error.getClass().getSimpleName();
        webhook(id, "failed", why);
        return why;
    }

    private void webhook(long id, String state, String error) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE alerts SET webhook_state = :state, webhook_at = now(), "
                + "webhook_error = :error WHERE id = :id").bind("state", state).bind("error", error).bind("id", id).execute());
    }

    private static String json(Map<String, Object> details) {
        try {
            return JSON.writeValueAsString(details);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("alert details are not JSON: " + e.getMessage(), e);
        }
    }
}
