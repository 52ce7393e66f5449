package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.Providers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks a provider to cancel a stuck or cancelled batch; a failed cancel is tried again at the next status check. */
public final class BatchCanceller {

    private static final Logger LOG = LoggerFactory.getLogger(BatchCanceller.class);

    private final Providers providers;

    public BatchCanceller(Providers providers) {
        this.providers = providers;
    }

    public void cancel(PolledBatch b, String rawStatus) {
        LOG.warn("Batch {} ({} {}) is still {} past its deadline: cancelling it; finished lines are kept and the rest "
                + "resubmitted", b.id(), b.provider(), b.providerBatchId(), rawStatus);
        send(b);
    }

    /** An operator cancelled the batch (or its job): finished lines are kept, the rest ends cancelled. */
    public void cancelRequested(PolledBatch b) {
        LOG.info("Batch {} ({} {}): cancelling it as asked; finished lines are kept", b.id(), b.provider(),
                b.providerBatchId());
        send(b);
    }

    private void send(PolledBatch b) {
        try {
            providers.get(b.provider()).cancel(b.providerBatchId());
        } catch (ProviderException e) {
            LOG.warn("Cancelling batch {} failed: {}", b.id(), e.getMessage());
        }
    }
}
