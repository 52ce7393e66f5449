package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderBatch;
import dev.batchpipe.provider.Providers;

/** Asks a batch's provider how it is doing. */
public final class BatchStatus {

    private final Providers providers;

    public BatchStatus(Providers providers) {
        this.providers = providers;
    }

    public ProviderBatch check(PolledBatch b) {
        return providers.get(b.provider()).get(b.providerBatchId());
    }
}
