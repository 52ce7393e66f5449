package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderBatch;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Cancelling a job or a provider batch. What is recorded here is all a cancel is: the job's waiting requests become
 * {@code cancelled} at once; its batches at a provider are marked {@code cancel_requested_at} and polled now, and the
 * poll loop asks the provider to cancel them ({@link #requested}, again after a crash) until they end. Their finished
 * lines are ingested as usual; the unanswered ones become cancelled through {@link RequestStates}; the job ends
 * {@code cancelled} through {@link JobCompletion}. A batch that also carries another job's requests is left to finish
 * when a job is cancelled (its answers for the cancelled job are kept); cancelling that batch itself stops it.
 */
public final class Cancellation {

    /** What a cancel did: the requests cancelled at once, and the batches the provider is asked to stop. */
    public record Cancelled(long requestsCancelled, List<Long> batchesCancelling, List<Long> batchesLeftRunning) {
    }

    /** Why a cancel is refused: nothing of that id, or nothing left to cancel. */
    public static final class Refused extends RuntimeException {
        private final boolean notFound;

        Refused(boolean notFound, String message) {
            super(message, null, false, false);
            this.notFound = notFound;
        }

        public boolean notFound() {
            return notFound;
        }
    }

    private static final String OPEN_BATCH = "b.state IN ('packed', 'uploaded', 'creating', 'submitted', 'finished')";

    private final Jdbi jdbi;
    private final JobCompletion completion;

    public Cancellation(Jdbi jdbi, JobCompletion completion) {
        this.jdbi = jdbi;
        this.completion = completion;
    }

    public Cancelled cancelJob(long jobId) {
        return jdbi.inTransaction(h -> {
            String status = h.createQuery("SELECT status FROM jobs WHERE id = :id FOR UPDATE").bind("id", jobId)
                    .mapTo(String.class).findOne().orElseThrow(() -> new Refused(true, "no job " + jobId));
            if (status.equals("receiving")) {
                throw new Refused(false, "job " + jobId + " is still being taken in; cancel it once it is active");
            }
            if (!status.equals("active")) {
                throw new Refused(false, "job " + jobId + " is " + status + " already: nothing to cancel");
            }
            h.createUpdate("UPDATE jobs SET cancelled_at = now() WHERE id = :id").bind("id", jobId).execute();
            int cancelled = h.createUpdate("UPDATE requests SET state = 'cancelled', last_error = 'cancelled', "
                    + "updated_at = now() WHERE job_id = :id AND state = 'pending'").bind("id", jobId).execute();
            // the job's open batches, and whether another job still waits for answers from them
            List<long[]> batches = h.createQuery("SELECT b.id, (SELECT count(*) FROM requests o WHERE o.batch_id = b.id "
                            + "AND o.state = 'batched' AND o.job_id IN (SELECT id FROM jobs WHERE cancelled_at IS NULL)) "
                            + "FROM batches b WHERE " + OPEN_BATCH + " AND b.id IN (SELECT batch_id FROM requests "
                            + "WHERE job_id = :id AND state = 'batched') ORDER BY b.id")
                    .bind("id", jobId).map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)}).list();
            List<Long> stopping = batches.stream().filter(b -> b[1] == 0).map(b -> b[0]).toList();
            List<Long> running = batches.stream().filter(b -> b[1] > 0).map(b -> b[0]).toList();
            requestCancel(h, stopping);
            completion.complete(h);
            return new Cancelled(cancelled, stopping, running);
        });
    }

    public Cancelled cancelBatch(long batchId) {
        return jdbi.inTransaction(h -> {
            String state = h.createQuery("SELECT state FROM batches WHERE id = :id FOR UPDATE").bind("id", batchId)
                    .mapTo(String.class).findOne().orElseThrow(() -> new Refused(true, "no batch " + batchId));
            if (state.equals("ingested") || state.equals("abandoned")) {
                throw new Refused(false, "batch " + batchId + " is " + state + " already: nothing to cancel");
            }
            requestCancel(h, List.of(batchId));
            return new Cancelled(0, List.of(batchId), List.of());
        });
    }

    /** Whether the poll loop should ask the provider to cancel this batch now (not when it is cancelling already). */
    public boolean requested(PolledBatch b, ProviderBatch status) {
        if (status.state() == ProviderBatch.State.CANCELLING) {
            return false;
        }
        return jdbi.withHandle(h -> h.createQuery("SELECT cancel_requested_at IS NOT NULL FROM batches WHERE id = :id")
                .bind("id", b.id()).mapTo(Boolean.class).one());
    }

    private static void requestCancel(Handle h, List<Long> batches) {
        if (!batches.isEmpty()) {
            h.createUpdate("UPDATE batches SET cancel_requested_at = coalesce(cancel_requested_at, now()), "
                    + "next_poll_at = now() WHERE id IN (<ids>)").bindList("ids", batches).execute();
        }
    }
}
