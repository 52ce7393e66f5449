package dev.batchpipe.pipeline;

import dev.batchpipe.store.Instance;
import dev.batchpipe.provider.BatchProvider;
import dev.batchpipe.provider.ProviderBatch;
import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.Providers;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks providers how their batches are doing. Polls back off from {@code firstInterval} by {@code factor} up to
 * {@code maxInterval}. A stuck batch (its provider-side window passed by more than {@code stuckGrace}, or running
 * longer than {@code maxRunning} since we submitted it) is cancelled, so what it finished is kept and the rest is
 * resubmitted.
 */
public final class BatchPoller {

    private static final Logger LOG = LoggerFactory.getLogger(BatchPoller.class);

    public record Settings(Duration lease, Duration firstInterval, double factor, Duration maxInterval,
                           Duration sandboxFirstInterval, Duration sandboxMaxInterval, Duration stuckGrace,
                           Duration maxRunning) {

        /** Seconds until the next status check of a batch polled {@code polls} times already. */
        public double interval(boolean sandbox, int polls) {
            Duration first = sandbox ? sandboxFirstInterval : firstInterval;
            Duration max = sandbox ? sandboxMaxInterval : maxInterval;
            return Math.min(max.toMillis(), first.toMillis() * Math.pow(factor, polls)) / 1000.0;
        }
    }

    private final Jdbi jdbi;
    private final Providers providers;
    private final RequestStates states;
    private final Instance instance;
    private final Settings settings;

    public BatchPoller(Jdbi jdbi, Providers providers, RequestStates states, Instance instance, Settings settings) {
        this.jdbi = jdbi;
        this.providers = providers;
        this.states = states;
        this.instance = instance;
        this.settings = settings;
    }

    /** Submitted batches due for a status check, leased to this instance. */
    public List<Long> claimDue() {
        return jdbi.withHandle(h -> h.createQuery("""
                        UPDATE batches SET lease_owner = :me, lease_until = now() + make_interval(secs => :lease)
                        WHERE id IN (SELECT id FROM batches WHERE state = 'submitted' AND next_poll_at <= now()
                                       AND (lease_until IS NULL OR lease_until < now())
                                     ORDER BY next_poll_at LIMIT 100 FOR UPDATE SKIP LOCKED)
                        RETURNING id""")
                .bind("me", instance.id()).bind("lease", settings.lease().toSeconds())
                .mapTo(Long.class).list());
    }

    /** Checks one batch; returns true when it reached a final state and its results can be ingested. */
    public boolean poll(long batchId) {
        Submitted row = jdbi.withHandle(h -> h.createQuery("SELECT provider, provider_batch_id, polls, expires_at, "
                        + "submitted_at FROM batches WHERE id = :id AND state = 'submitted' AND lease_owner = :me")
                .bind("id", batchId).bind("me", instance.id())
                .map((rs, ctx) -> new Submitted(rs.getString(1), rs.getString(2), rs.getInt(3), instant(rs.getTimestamp(4)),
                        instant(rs.getTimestamp(5))))
                .findOne().orElse(null));
        if (row == null) {
            return false;
        }
        BatchProvider provider = providers.get(row.provider());
        String providerId = row.providerBatchId();
        int polls = row.polls();
        ProviderBatch pb;
        try {
            pb = provider.get(providerId);
        } catch (ProviderException e) {
            if (e.notFound()) {
                lost(batchId, providerId);
                return false;
            }
            LOG.warn("Batch {}: status check failed ({}); trying again later", batchId, e.getMessage());
            schedule(batchId, polls, providers.sandboxed(provider.name()));
            return false;
        }
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE batches SET provider_status = :status, completed_count = :done, failed_count = :failed,
                          provider_counts = CAST(:counts AS jsonb), output_file_id = :out, error_file_id = :err,
                          expires_at = coalesce(:expires, expires_at)
                        WHERE id = :id""")
                .bind("status", pb.rawStatus()).bind("done", pb.completed()).bind("failed", pb.failed())
                .bind("counts", pb.countsJson()).bind("out", pb.outputFileId()).bind("err", pb.errorFileId())
                .bind("expires", pb.expiresAt() == null ? null : Timestamp.from(pb.expiresAt()))
                .bind("id", batchId).execute());
        if (pb.state().terminal()) {
            jdbi.useHandle(h -> h.createUpdate("UPDATE batches SET state = 'finished', finished_at = now(), error = :err "
                            + "WHERE id = :id")
                    .bind("err", pb.errorCode() == null ? null : pb.errorCode() + ": " + pb.errorMessage())
                    .bind("id", batchId).execute());
            LOG.info("Batch {} ({} {}) is {}: {} done, {} failed", batchId, row.provider(), providerId, pb.rawStatus(),
                    pb.completed(), pb.failed());
            return true;
        }
        Instant windowEnd = pb.expiresAt() != null ? pb.expiresAt() : row.expiresAt();
        Instant deadline = row.submittedAt().plus(settings.maxRunning());
        if (windowEnd != null && windowEnd.plus(settings.stuckGrace()).isBefore(deadline)) {
            deadline = windowEnd.plus(settings.stuckGrace());
        }
        if (pb.state() != ProviderBatch.State.CANCELLING && Instant.now().isAfter(deadline)) {
            LOG.warn("Batch {} ({} {}) is still {} past its deadline: cancelling it; finished lines are kept and the rest "
                    + "resubmitted", batchId, row.provider(), providerId, pb.rawStatus());
            try {
                provider.cancel(providerId);
            } catch (ProviderException e) {
                LOG.warn("Cancelling batch {} failed: {}", batchId, e.getMessage());
            }
        }
        schedule(batchId, polls, providers.sandboxed(provider.name()));
        return false;
    }

    private record Submitted(String provider, String providerBatchId, int polls, Instant expiresAt, Instant submittedAt) {
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }

    private void schedule(long batchId, int polls, boolean sandbox) {
        double seconds = settings.interval(sandbox, polls);
        jdbi.useHandle(h -> h.createUpdate("UPDATE batches SET polls = polls + 1, "
                        + "next_poll_at = now() + make_interval(secs => :s), lease_owner = NULL, lease_until = NULL WHERE id = :id")
                .bind("s", seconds).bind("id", batchId).execute());
    }

    /** The provider no longer knows the batch: its requests go back to wait, without consuming attempts. */
    private void lost(long batchId, String providerId) {
        LOG.warn("Batch {}: the provider does not know {} any more; its requests are resubmitted", batchId, providerId);
        jdbi.useTransaction(h -> {
            List<Long> ids = h.createQuery("SELECT id FROM requests WHERE batch_id = :b AND state = 'batched'")
                    .bind("b", batchId).mapTo(Long.class).list();
            for (Long id : ids) {
                states.retryTransient(h, id, "provider lost batch " + providerId);
            }
            Batches.abandon(h, batchId, "unknown to the provider");
        });
    }
}
