package dev.batchpipe.pipeline;

import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Dead-letters pending requests that can never go into a batch, and closes its job if that was its last request. */
public final class UnfitRequests {

    private final Jdbi jdbi;
    private final RequestStates states;
    private final JobCompletion completion;

    public UnfitRequests(Jdbi jdbi, RequestStates states, JobCompletion completion) {
        this.jdbi = jdbi;
        this.states = states;
        this.completion = completion;
    }

    /** The requests of a line that can never go into a batch (one alone, or a micro-batch's items). */
    public void deadLetter(List<PendingRequest> requests, String reason) {
        jdbi.useTransaction(h -> {
            for (PendingRequest r : requests) {
                boolean stillPending = h.createQuery("SELECT 1 FROM requests WHERE id = :id AND state = 'pending' "
                                + "AND submissions = :s FOR UPDATE")
                        .bind("id", r.id()).bind("s", r.submissions()).mapTo(Integer.class).findOne().isPresent();
                if (stillPending) {
                    states.deadLetter(h, r.id(), reason, null);
                }
            }
            completion.complete(h);
        });
    }
}
