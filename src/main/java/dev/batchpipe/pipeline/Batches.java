package dev.batchpipe.pipeline;

import org.jdbi.v3.core.Handle;

/** Batch life-cycle steps shared by the submitter, poller and ingester; always inside the caller's transaction. */
public final class Batches {

    private Batches() {
    }

    /** The enqueued tokens of a batch no longer count against its model's quota; false when they did not already. */
    public static boolean releaseQuota(Handle h, long batchId) {
        return h.createUpdate("UPDATE quota_ledger SET released_at = now() WHERE batch_id = :id AND released_at IS NULL")
                .bind("id", batchId).execute() > 0;
    }

    /** The batch will not produce results (refused, or lost by the provider); its requests were already moved on. */
    public static void abandon(Handle h, long batchId, String error) {
        h.createUpdate("UPDATE batches SET state = 'abandoned', error = :err, lease_owner = NULL, lease_until = NULL "
                + "WHERE id = :id").bind("err", error).bind("id", batchId).execute();
        releaseQuota(h, batchId);
    }
}
