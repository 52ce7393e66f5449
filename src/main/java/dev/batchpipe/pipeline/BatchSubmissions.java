package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderBatch;
import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.Providers;
import java.sql.Timestamp;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records each step of a submission before the next is taken: {@code packed} → {@code uploaded} (file id) →
 * {@code creating} → {@code submitted} (provider batch id, first status check scheduled).
 */
public final class BatchSubmissions {

    private static final Logger LOG = LoggerFactory.getLogger(BatchSubmissions.class);

    private final Jdbi jdbi;
    private final Providers providers;
    private final PollSchedule schedule;

    public BatchSubmissions(Jdbi jdbi, Providers providers, PollSchedule schedule) {
        this.jdbi = jdbi;
        this.providers = providers;
        this.schedule = schedule;
    }

    public SubmitBatch uploaded(SubmitBatch b, String fileId) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE batches SET state = 'uploaded', input_file_id = :f WHERE id = :id")
                .bind("f", fileId).bind("id", b.id()).execute());
        return b.uploaded(fileId);
    }

    /** From here on the batch may exist at the provider without our knowing its id. */
    public SubmitBatch creating(SubmitBatch b) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE batches SET state = 'creating' WHERE id = :id")
                .bind("id", b.id()).execute());
        return b.creating();
    }

    /** The step is tried again once the provider's Retry-After has passed: the lease holds the batch till then. */
    public void notBefore(SubmitBatch b, ProviderException e) {
        Duration wait = e.retryAfter().orElseThrow();
        jdbi.useHandle(h -> h.createUpdate("UPDATE batches SET lease_until = now() + make_interval(secs => :s) WHERE id = :id")
                .bind("s", wait.toMillis() / 1000.0).bind("id", b.id()).execute());
    }

    public void submitted(SubmitBatch b, ProviderBatch pb) {
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE batches SET state = 'submitted', provider_batch_id = :pid, provider_status = :status,
                          submitted_at = now(), expires_at = :expires, lease_owner = NULL, lease_until = NULL,
                          next_poll_at = now() + make_interval(secs => :poll), error = NULL
                        WHERE id = :id""")
                .bind("pid", pb.id()).bind("status", pb.rawStatus())
                .bind("expires", pb.expiresAt() == null ? null : Timestamp.from(pb.expiresAt()))
                .bind("poll", schedule.interval(providers.sandboxed(b.provider()), 0))
                .bind("id", b.id()).execute());
        LOG.info("Submitted batch {} to {} as {} ({} requests)", b.id(), b.provider(), pb.id(), b.requestCount());
    }
}
