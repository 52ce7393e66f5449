package dev.batchpipe.pipeline;

import dev.batchpipe.provider.BatchProvider;
import dev.batchpipe.provider.ProviderBatch;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.provider.ResultLine;
import java.util.NoSuchElementException;
import org.jdbi.v3.core.Jdbi;

/** Opens the result lines of a finished batch, streamed from its provider. */
public final class ResultDownloads {

    private final Jdbi jdbi;
    private final Providers providers;

    public ResultDownloads(Jdbi jdbi, Providers providers) {
        this.jdbi = jdbi;
        this.providers = providers;
    }

    /** The batch's result lines; none when it produced none (refused as a whole: finishing decides what happens). */
    public BatchProvider.ResultStream open(long batchId) {
        var row = jdbi.withHandle(h -> h.createQuery("SELECT provider, provider_batch_id FROM batches WHERE id = :id "
                        + "AND state = 'finished'")
                .bind("id", batchId).map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)}).findOne().orElse(null));
        if (row == null) {
            return EMPTY;
        }
        BatchProvider provider = providers.get(row[0]);
        ProviderBatch pb = provider.get(row[1]);
        if (pb.state() == ProviderBatch.State.FAILED && pb.outputFileId() == null && pb.errorFileId() == null) {
            return EMPTY;
        }
        return provider.results(pb);
    }

    private static final BatchProvider.ResultStream EMPTY = new BatchProvider.ResultStream() {
        @Override
        public boolean hasNext() {
            return false;
        }

        @Override
        public ResultLine next() {
            throw new NoSuchElementException();
        }

        @Override
        public void close() {
        }
    };
}
