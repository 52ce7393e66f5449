package dev.batchpipe.pipeline;

import dev.batchpipe.store.Instance;
import dev.batchpipe.store.LeaseClaim;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * Which batches this instance works on: each is claimed with a lease ({@link LeaseClaim}) before a stage touches it,
 * so every instance on the database can run every stage, and a dead instance's batches pass on when the lease ends.
 * The scans say which batches a stage may claim; a batch is claimed only by the stage that takes it from its queue.
 */
public final class BatchClaims {

    private static final LeaseClaim SUBMIT = LeaseClaim.ofBatches(
            "id = :id AND state IN ('packed', 'uploaded', 'creating') AND " + LeaseClaim.LEASE_FREE, "id", 1,
            "id, provider, model, endpoint, state, input_file_id, request_count, created_at");
    private static final LeaseClaim POLL = LeaseClaim.ofBatches(
            "state = 'submitted' AND next_poll_at <= now() AND " + LeaseClaim.LEASE_FREE, "next_poll_at", 100,
            "id, provider, provider_batch_id, polls, expires_at, submitted_at");
    // the poll that saw the batch finish, or takeOverIngests, leased it to this instance already
    private static final LeaseClaim INGEST = LeaseClaim.ofBatches(
            "id = :id AND state = 'finished' AND (" + LeaseClaim.LEASE_FREE + " OR lease_owner = :me)", "id", 1, "id");

    private final Jdbi jdbi;
    private final Instance instance;
    private final Duration lease;

    public BatchClaims(Jdbi jdbi, Instance instance, Duration lease) {
        this.jdbi = jdbi;
        this.instance = instance;
        this.lease = lease;
    }

    /** Batches not yet at their provider that nobody holds: new ones, and those a crashed instance left half-way. */
    public List<Long> toSubmit() {
        return jdbi.withHandle(h -> h.createQuery("SELECT id FROM batches WHERE state IN ('packed', 'uploaded', 'creating') "
                + "AND " + LeaseClaim.LEASE_FREE + " ORDER BY id LIMIT 50").bind("me", instance.id()).mapTo(Long.class)
                .list());
    }

    /** The batch, leased to this instance for submitting; null when it is held elsewhere or already submitted. */
    public SubmitBatch claimForSubmit(long batchId) {
        return jdbi.withHandle(h -> SUBMIT.query(h, instance.id(), lease).bind("id", batchId)
                .map((rs, ctx) -> new SubmitBatch(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7), rs.getTimestamp(8).toInstant()))
                .findOne().orElse(null));
    }

    /** Submitted batches due for a status check, leased to this instance. */
    public List<PolledBatch> claimDue() {
        return jdbi.withHandle(h -> POLL.query(h, instance.id(), lease)
                .map((rs, ctx) -> new PolledBatch(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                        instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6))))
                .list());
    }

    /**
     * Finished batches nobody holds, claimed for this instance now: a stopped instance's batches move here at once, even
     * while this instance's ingest consumers are busy with slow downloads, and one whose ingest gave up its lease
     * ({@link #giveUpIngest}). Their ingest claims them again, as its own. A batch this instance holds is not listed:
     * its ingest is queued or running already (the poll that saw it finish handed it on), and a second one would
     * download and settle it again beside the first.
     */
    public List<Long> takeOverIngests() {
        return jdbi.withHandle(h -> h.createQuery("SELECT id FROM batches WHERE state = 'finished' AND "
                        + LeaseClaim.LEASE_FREE + " ORDER BY finished_at LIMIT 20")
                .bind("me", instance.id()).mapTo(Long.class).list())
                .stream().map(this::claimForIngest).filter(java.util.Objects::nonNull).toList();
    }

    /** An ingest that stopped short gives up its lease, so the next poll tick takes the batch up again at once. */
    public void giveUpIngest(long batchId) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE batches SET lease_owner = NULL, lease_until = NULL "
                        + "WHERE id = :id AND state = 'finished' AND lease_owner = :me")
                .bind("id", batchId).bind("me", instance.id()).execute());
    }

    /** The batch id, leased to this instance for ingesting; null when it is held elsewhere or already ingested. */
    public Long claimForIngest(long batchId) {
        return jdbi.withHandle(h -> INGEST.query(h, instance.id(), lease).bind("id", batchId)
                .mapTo(Long.class).findOne().orElse(null));
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
