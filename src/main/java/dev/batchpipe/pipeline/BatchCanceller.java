package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.Providers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Asks a provider to cancel a stuck batch; a failed cancel is tried again at the next status check. */
public final class BatchCanceller {

    private static final Logger LOG = LoggerFactory.getLogger(BatchCanceller.class);

    private final Providers providers;

    public BatchCanceller(Providers providers) {
        this.providers = providers;
    }

    public void cancel(PolledBatch b, String rawStatus) {
        LOG.warn("Batch {} ({} {}) is still {} past its deadline: cancelling it; finished lines are kept and the rest "
                + "resubmitted", b.id(), b.provider(), b.providerBatchId(), rawStatus);
        try {
            providers.get(b.provider()).cancel(b.providerBatchId());
        } catch (ProviderException e) {
            LOG.warn("Cancelling batch {} failed: {}", b.id(), e.getMessage());
        }
    }
}
