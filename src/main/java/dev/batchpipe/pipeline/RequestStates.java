package dev.batchpipe.pipeline;

import java.time.Duration;
import java.util.Collection;
import org.jdbi.v3.core.Handle;

/**
 * The only places a request leaves {@code batched} for anything but success. Every caller passes the open
 * transaction that also records why, so a request is never half-moved.
 *
 * <p>Two budgets: {@code attempts} counts failures that are the request's own (an answer that does not match the
 * schema, a refusal) and is bounded by {@code maxAttempts}; {@code transient_failures} counts the provider's
 * problems (expired, cancelled, 5xx, lost batch), which never consume attempts but are bounded too, so that a
 * provider that never answers ends in a dead letter rather than an endless loop.
 */
public final class RequestStates {

    public record Limits(int maxAttempts, int maxTransientFailures, Duration transientDelay) {
    }

    /**
     * A request that would wait again becomes {@code cancelled} instead when its job was cancelled, or the batch it
     * comes back from was (the SET sees the row's batch_id before it is cleared).
     */
    private static final String WAITING_OR_CANCELLED = "CASE WHEN EXISTS (SELECT 1 FROM jobs j WHERE j.id = requests.job_id "
            + "AND j.cancelled_at IS NOT NULL) OR EXISTS (SELECT 1 FROM batches b WHERE b.id = requests.batch_id "
            + "AND b.cancel_requested_at IS NOT NULL) THEN 'cancelled' ELSE 'pending' END";

    private final Limits limits;

    public RequestStates(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /** The provider failed this request (expired, cancelled, 5xx): back to pending, no attempt consumed. */
    public void retryTransient(Handle h, long requestId, String reason) {
        int failures = h.createQuery("UPDATE requests SET transient_failures = transient_failures + 1 WHERE id = :id "
                        + "RETURNING transient_failures")
                .bind("id", requestId).mapTo(Integer.class).one();
        if (failures > limits.maxTransientFailures()) {
            deadLetter(h, requestId, "gave up after " + limits.maxTransientFailures() + " provider-side failures; last: "
                    + reason, null);
        } else {
            backToPending(h, requestId, reason, limits.transientDelay());
        }
    }

    /** Many requests at once, e.g. a batch the provider refused for quota: back to wait, no attempt consumed. */
    public void requeueWithoutAttempt(Handle h, Collection<Long> requestIds, String reason, Duration delay) {
        if (requestIds.isEmpty()) {
            return;
        }
        h.createUpdate("UPDATE requests SET state = " + WAITING_OR_CANCELLED + ", batch_id = NULL, last_error = :reason, "
                        + "not_before = now() + make_interval(secs => :delay), updated_at = now() WHERE id IN (<ids>)")
                .bind("reason", reason).bind("delay", delay.toMillis() / 1000.0).bindList("ids", requestIds).execute();
    }

    /** The request's own failure (invalid answer, refusal): consumes an attempt; dead-lettered when none are left. */
    public void retryOwnFailure(Handle h, long requestId, String reason, String payload) {
        int attempts = h.createQuery("UPDATE requests SET attempts = attempts + 1 WHERE id = :id RETURNING attempts")
                .bind("id", requestId).mapTo(Integer.class).one();
        if (attempts >= limits.maxAttempts()) {
            deadLetter(h, requestId, "failed " + attempts + " attempt(s); last: " + reason, payload);
        } else {
            backToPending(h, requestId, reason, Duration.ZERO);
        }
    }

    /** Single-item fallback: requests that wait again are sent alone from now on, not in a micro-batch. */
    public void sendAlone(Handle h, Collection<Long> requestIds) {
        if (!requestIds.isEmpty()) {
            h.createUpdate("UPDATE requests SET alone = true WHERE id IN (<ids>) AND state = 'pending'")
                    .bindList("ids", requestIds).execute();
        }
    }

    /** Nothing more will be tried until someone replays it. */
    public void deadLetter(Handle h, long requestId, String reason, String payload) {
        h.createUpdate("UPDATE requests SET state = 'dead', batch_id = NULL, last_error = :reason, updated_at = now() "
                + "WHERE id = :id").bind("reason", reason).bind("id", requestId).execute();
        h.createUpdate("INSERT INTO dead_letters (request_id, job_id, task, reason, payload) "
                        + "SELECT id, job_id, task, :reason, CAST(:payload AS jsonb) FROM requests WHERE id = :id "
                        + "ON CONFLICT (request_id) WHERE replayed_at IS NULL DO NOTHING")
                .bind("reason", reason).bind("payload", payload).bind("id", requestId).execute();
    }

    private void backToPending(Handle h, long requestId, String reason, Duration delay) {
        h.createUpdate("UPDATE requests SET state = " + WAITING_OR_CANCELLED + ", batch_id = NULL, last_error = :reason, "
                        + "not_before = CASE WHEN :delay > 0 THEN now() + make_interval(secs => :delay) END, "
                        + "updated_at = now() WHERE id = :id")
                .bind("reason", reason).bind("delay", delay.toMillis() / 1000.0).bind("id", requestId).execute();
    }
}
