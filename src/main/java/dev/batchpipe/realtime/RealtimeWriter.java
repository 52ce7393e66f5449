package dev.batchpipe.realtime;

import dev.batchpipe.pipeline.JobCompletion;
import dev.batchpipe.pipeline.RequestStates;
import dev.batchpipe.pipeline.ResultIngester;
import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.Providers;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * What becomes of a realtime call: an answer is decoded as the batch line it would have been and written by the
 * result path's own writer (validation, task rows, request state, exactly once); a failed call goes back to wait or
 * to the dead letters as a failed batch line would. Then the job is closed when nothing of it is left.
 */
public final class RealtimeWriter {

    private final Jdbi jdbi;
    private final Providers providers;
    private final ResultIngester ingester;
    private final RequestStates states;
    private final JobCompletion completion;
    private final Duration rateLimitedWait;

    public RealtimeWriter(Jdbi jdbi, Providers providers, ResultIngester ingester, RequestStates states,
                          JobCompletion completion, Duration rateLimitedWait) {
        this.jdbi = jdbi;
        this.providers = providers;
        this.ingester = ingester;
        this.states = states;
        this.completion = completion;
        this.rateLimitedWait = rateLimitedWait;
    }

    public void write(RealtimeAnswer a) {
        RealtimeCall c = a.call();
        ingester.writeRealtime(List.of(providers.get(c.provider()).answer(c.customId(), a.body())));
        jdbi.useTransaction(completion::complete);
    }

    /**
     * A call that got no answer. Rate limits wait for the provider's Retry-After without consuming an attempt; the
     * provider's trouble (5xx, dropped connections, after provider-http's retries) counts as a transient failure,
     * bounded, so a provider that never answers ends in a dead letter with the reason; a refused request is dead, and
     * the items of a refused micro-batch are each tried alone.
     */
    public void failed(RealtimeCall c, Exception failure) {
        String reason = "realtime call failed: " + failure.getMessage();
        jdbi.useTransaction(h -> {
            if (failure instanceof ProviderException e && (e.quotaRefused() || e.credentialsRefused())) {
                states.requeueWithoutAttempt(h, c.requestIds(), reason, e.retryAfter().orElse(rateLimitedWait));
            } else if (failure instanceof ProviderException e && !e.retryable() && c.members().size() > 1) {
                // the items may be fine alone (single-item fallback): an attempt each, and alone from now on
                for (long id : c.requestIds()) {
                    states.retryOwnFailure(h, id, "micro-batch " + c.customId() + " rejected by the provider: "
                            + e.getMessage(), null);
                }
                states.sendAlone(h, c.requestIds());
            } else if (failure instanceof ProviderException e && !e.retryable()) {
                for (long id : c.requestIds()) {
                    states.deadLetter(h, id, "rejected by the provider: " + e.getMessage(), null);
                }
            } else {
                for (long id : c.requestIds()) {
                    states.retryTransient(h, id, reason);
                }
            }
            completion.complete(h);
        });
    }
}
