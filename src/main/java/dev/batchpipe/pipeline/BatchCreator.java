package dev.batchpipe.pipeline;

import dev.batchpipe.CrashPoints;
import dev.batchpipe.provider.BatchProvider;
import dev.batchpipe.provider.ProviderBatch;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.store.Instance;
import java.nio.file.Path;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a batch at its provider, never twice: a batch found in {@code creating} was maybe created by a process that
 * died before recording the id, so the provider's batch list is searched for it first (by our tag, or by size and age
 * where batches carry no tag) and the batch adopted instead of created again.
 */
public final class BatchCreator {

    private static final Logger LOG = LoggerFactory.getLogger(BatchCreator.class);

    private final Jdbi jdbi;
    private final Providers providers;
    private final Instance instance;

    public BatchCreator(Jdbi jdbi, Providers providers, Instance instance) {
        this.jdbi = jdbi;
        this.providers = providers;
        this.instance = instance;
    }

    /** The provider batch created for {@code b} before its id could be recorded, or null when there is none. */
    public ProviderBatch findCreated(SubmitBatch b) {
        ProviderBatch found = providers.get(b.provider()).findCreated(new BatchProvider.Lookup(instance.tag(b.id()),
                b.createdAt().minus(Duration.ofHours(1)), b.requestCount(), id -> recordedElsewhere(b, id))).orElse(null);
        if (found != null) {
            LOG.info("Adopted {} batch {}, created for batch {} before its id could be recorded", b.provider(), found.id(),
                    b.id());
        }
        return found;
    }

    /** Creates the batch from its uploaded file (inline providers send the file's lines with the call). */
    public ProviderBatch create(SubmitBatch b, Path file) {
        ProviderBatch created = providers.get(b.provider()).create(b.model(), b.endpoint(), b.inputFileId(), file,
                b.requestCount(), instance.tag(b.id()));
        CrashPoints.reached("after-create");
        return created;
    }

    private boolean recordedElsewhere(SubmitBatch b, String providerBatchId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM batches WHERE provider = :p "
                        + "AND provider_batch_id = :pid AND id <> :id")
                .bind("p", b.provider()).bind("pid", providerBatchId).bind("id", b.id()).mapTo(Integer.class).one()) > 0;
    }
}
