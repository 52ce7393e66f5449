package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderBatch;
import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.Providers;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records what a status check found: the provider's counts, a final state, the next check, or a batch it lost. */
public final class PollRecords {

    private static final Logger LOG = LoggerFactory.getLogger(PollRecords.class);

    private final Jdbi jdbi;
    private final Providers providers;
    private final RequestStates states;
    private final PollSchedule schedule;

    public PollRecords(Jdbi jdbi, Providers providers, RequestStates states, PollSchedule schedule) {
        this.jdbi = jdbi;
        this.providers = providers;
        this.states = states;
        this.schedule = schedule;
    }

    public void status(PolledBatch b, ProviderBatch pb) {
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE batches SET provider_status = :status, completed_count = :done, failed_count = :failed,
                          provider_counts = CAST(:counts AS jsonb), output_file_id = :out, error_file_id = :err,
                          expires_at = coalesce(:expires, expires_at), reported_tokens = :reported
                        WHERE id = :id""")
                .bind("status", pb.rawStatus()).bind("done", pb.completed()).bind("failed", pb.failed())
                .bind("reported", pb.inputTokens() > 0 ? pb.inputTokens() : null)
                .bind("counts", pb.countsJson()).bind("out", pb.outputFileId()).bind("err", pb.errorFileId())
                .bind("expires", pb.expiresAt() == null ? null : Timestamp.from(pb.expiresAt()))
                .bind("id", b.id()).execute());
    }

    /**
     * The batch reached a final state at its provider; it stays leased to this instance, which ingests it next. Its
     * enqueued tokens no longer count against the quota from now, as at the provider, rather than from the end of its
     * ingest, once the model's factor is known (else the next packing would count by our estimate alone: the tokens
     * are released by the ingest, after the factor is learned from the lines).
     */
    public long finished(PolledBatch b, ProviderBatch pb) {
        jdbi.useTransaction(h -> {
            h.createUpdate("UPDATE batches SET state = 'finished', finished_at = now(), error = :err WHERE id = :id")
                    .bind("err", pb.errorCode() == null ? null : pb.errorCode() + ": " + pb.errorMessage())
                    .bind("id", b.id()).execute();
            boolean calibrated = h.createQuery("SELECT EXISTS (SELECT 1 FROM token_calibration t JOIN batches b "
                    + "ON t.provider = b.provider AND t.model = b.model WHERE b.id = :id)").bind("id", b.id())
                    .mapTo(Boolean.class).one();
            // a batch refused for quota was never in the provider's queue: it frees nothing a refusal waits for
            if (calibrated && Batches.releaseQuota(h, b.id()) && !ProviderException.isQuotaCode(pb.errorCode())) {
                EnqueuedQuotas.released(h, b.id());
            }
        });
        LOG.info("Batch {} ({} {}) is {}: {} done, {} failed", b.id(), b.provider(), b.providerBatchId(), pb.rawStatus(),
                pb.completed(), pb.failed());
        return b.id();
    }

    /** The next status check, later each time; the lease is given up meanwhile. */
    public void scheduleNext(PolledBatch b) {
        double seconds = schedule.interval(providers.sandboxed(b.provider()), b.polls());
        jdbi.useHandle(h -> h.createUpdate("UPDATE batches SET polls = polls + 1, "
                        + "next_poll_at = now() + make_interval(secs => :s), lease_owner = NULL, lease_until = NULL "
                        + "WHERE id = :id")
                .bind("s", seconds).bind("id", b.id()).execute());
    }

    /** The next status check when the provider said when (its Retry-After), instead of the back-off. */
    public void checkAfter(PolledBatch b, ProviderException e) {
        Duration wait = e.retryAfter().orElseThrow();
        jdbi.useHandle(h -> h.createUpdate("UPDATE batches SET polls = polls + 1, "
                        + "next_poll_at = now() + make_interval(secs => :s), lease_owner = NULL, lease_until = NULL "
                        + "WHERE id = :id")
                .bind("s", wait.toMillis() / 1000.0).bind("id", b.id()).execute());
    }

    /** The provider no longer knows the batch: its requests go back to wait, without consuming attempts. */
    public void lost(PolledBatch b) {
        LOG.warn("Batch {}: the provider does not know {} any more; its requests are resubmitted", b.id(),
                b.providerBatchId());
        jdbi.useTransaction(h -> {
            List<Long> ids = h.createQuery("SELECT id FROM requests WHERE batch_id = :b AND state = 'batched'")
                    .bind("b", b.id()).mapTo(Long.class).list();
            for (Long id : ids) {
                states.retryTransient(h, id, "provider lost batch " + b.providerBatchId());
            }
            Batches.abandon(h, b.id(), "unknown to the provider");
        });
    }
}
