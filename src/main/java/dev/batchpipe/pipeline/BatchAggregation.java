package dev.batchpipe.pipeline;

import java.util.function.Supplier;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

/**
 * Aggregates rendered lines of one provider, model and endpoint into batches ({@link BatchDraft} decides what fits).
 * A batch is completed as soon as the next line would not fit, and that line starts the next batch of the group with
 * what is left of the budget; a group's last batch is completed when the packing ends.
 */
public final class BatchAggregation implements AggregationStrategy {

    /** Carries what is left of the budget from a completed batch to the next one of its group. */
    static final String BUDGET_LEFT = "BatchpipeBudgetLeft";

    private final BatchLimits limits;
    private final Supplier<BatchFiles.Writer> files;

    public BatchAggregation(BatchLimits limits, Supplier<BatchFiles.Writer> files) {
        this.limits = limits;
        this.files = files;
    }

    /** Batches complete before the line that would not fit (Camel 4's pre-completion, on the strategy itself). */
    @Override
    public boolean canPreComplete() {
        return true;
    }

    @Override
    public boolean preComplete(Exchange oldExchange, Exchange newExchange) {
        if (oldExchange == null) {
            return false;
        }
        BatchDraft draft = oldExchange.getMessage().getBody(BatchDraft.class);
        boolean full = draft.fullFor(newExchange.getMessage().getBody(PendingLine.class));
        if (full) {
            newExchange.setProperty(BUDGET_LEFT, draft.remaining());
        }
        return full;
    }

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        PendingLine line = newExchange.getMessage().getBody(PendingLine.class);
        if (oldExchange == null) {
            BatchDraft.Budget left = newExchange.getProperty(BUDGET_LEFT, BatchDraft.Budget.class);
            newExchange.removeProperty(BUDGET_LEFT);
            newExchange.getMessage().setBody(BatchDraft.start(line, limits.of(line.request().provider()),
                    left != null ? left : limits.budget(line.request()), files.get()));
            return newExchange;
        }
        oldExchange.getMessage().getBody(BatchDraft.class).offer(line);
        return oldExchange;
    }

    /** The batch's file is complete: flushed before the batch is recorded. */
    @Override
    public void onCompletion(Exchange exchange) {
        exchange.getMessage().getBody(BatchDraft.class).file().finish();
    }
}
