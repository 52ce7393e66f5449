package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderException;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider that refused a batch for good: the batch is abandoned and its requests go back to wait. Refused for
 * quota, they wait without consuming attempts; refused as input, each consumes an attempt, so a request that is the
 * cause ends dead-lettered. (Refused credentials and unreachable providers keep the batch as it is: see the submit
 * route.)
 */
public final class SubmitRefusals {

    private static final Logger LOG = LoggerFactory.getLogger(SubmitRefusals.class);

    private final Jdbi jdbi;
    private final RequestStates states;
    private final Duration quotaBackoff;
    private final JobCompletion completion;

    public SubmitRefusals(Jdbi jdbi, RequestStates states, Duration quotaBackoff, JobCompletion completion) {
        this.jdbi = jdbi;
        this.states = states;
        this.quotaBackoff = quotaBackoff;
        this.completion = completion;
    }

    public void quotaRefused(SubmitBatch b, ProviderException e) {
        jdbi.useTransaction(h -> {
            // a provider that says how long the quota stays full is believed when it asks for longer than our back-off
            Duration wait = e.retryAfter().filter(w -> w.compareTo(quotaBackoff) > 0).orElse(quotaBackoff);
            states.requeueWithoutAttempt(h, batched(h, b), "provider quota: " + e.getMessage(), wait);
            Batches.abandon(h, b.id(), e.getMessage());
        });
        LOG.warn("Batch {} refused by {}: {}", b.id(), b.provider(), e.getMessage());
    }

    public void inputRefused(SubmitBatch b, ProviderException e) {
        jdbi.useTransaction(h -> {
            for (Long id : batched(h, b)) {
                states.retryOwnFailure(h, id, "batch refused by " + b.provider() + ": " + e.getMessage(), null);
            }
            Batches.abandon(h, b.id(), e.getMessage());
            // requests that used their last attempt are dead: their jobs may have nothing left to wait for
            completion.complete(h);
        });
        LOG.warn("Batch {} refused by {}: {}", b.id(), b.provider(), e.getMessage());
    }

    private static List<Long> batched(org.jdbi.v3.core.Handle h, SubmitBatch b) {
        return h.createQuery("SELECT id FROM requests WHERE batch_id = :b AND state = 'batched'")
                .bind("b", b.id()).mapTo(Long.class).list();
    }
}
