package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.ProviderLimits;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider that refused a batch for good: the batch is abandoned and its requests go back to wait. Refused as
 * input, each consumes an attempt, so a request that is the cause ends dead-lettered. Refused for quota, they wait
 * without consuming attempts, and the batch is never sent again as it was ({@link #next}): the limit the refusal
 * states is learned, a batch larger than the quota is packed again smaller, a refusal while other batches are in
 * flight waits for one of them to finish, and one with nothing in flight halves the model's batches. (Refused
 * credentials and unreachable providers keep the batch as it is: see the submit route.)
 */
public final class SubmitRefusals {

    private static final Logger LOG = LoggerFactory.getLogger(SubmitRefusals.class);

    /** What follows a quota refusal. */
    public enum Next {
        /** larger than the quota on its own: its requests are packed again, in batches that fit */
        SPLIT,
        /** other batches hold the quota: packing of the model waits until one of them finishes */
        WAIT,
        /** nothing else in flight, yet refused: the provider counts more than we do; batches are halved */
        HALVE,
        /** one request, nothing in flight (or a refusal that says nothing of enqueued tokens): tried again later */
        BACK_OFF
    }

    private final Jdbi jdbi;
    private final RequestStates states;
    private final Duration quotaBackoff;
    private final JobCompletion completion;
    private final Function<String, ProviderLimits> limits;

    /** {@code limits}: a configured provider's limits, by name (its configured quota). */
    public SubmitRefusals(Jdbi jdbi, RequestStates states, Duration quotaBackoff, JobCompletion completion,
                          Function<String, ProviderLimits> limits) {
        this.jdbi = jdbi;
        this.states = states;
        this.quotaBackoff = quotaBackoff;
        this.completion = completion;
        this.limits = limits;
    }

    /**
     * What follows a refusal of a batch of {@code batchTokens} (as packing counted them) holding {@code requests}
     * requests, when the model's quota is {@code quota} (0: unknown) and {@code inFlight} tokens of other batches hold
     * it. {@code enqueuedTokens}: whether the refusal is about enqueued tokens (a quota code, or a stated limit).
     */
    public static Next next(long batchTokens, int requests, long quota, long inFlight, boolean enqueuedTokens) {
        if (!enqueuedTokens) {
            return Next.BACK_OFF;
        }
        if (quota > 0 && batchTokens > quota && requests > 1) {
            return Next.SPLIT;
        }
        if (inFlight > 0) {
            return Next.WAIT;
        }
        return requests > 1 ? Next.HALVE : Next.BACK_OFF;
    }

    /** Refused at create (a 429 or a quota code): the batch never reached the provider's queue. */
    public void quotaRefused(SubmitBatch b, ProviderException e) {
        jdbi.useTransaction(h -> {
            Batches.abandon(h, b.id(), e.getMessage());
            quotaRefused(h, b.id(), e.getMessage(), e.retryAfter(), ProviderException.isQuotaCode(e.code()));
        });
    }

    /**
     * A batch refused for quota (at create, or failed by the provider after upload), its tokens already released:
     * its requests go back to wait, and what follows is decided ({@link #next}) and logged.
     *
     * @param quotaCode whether the provider's error code says enqueued tokens
     */
    public void quotaRefused(Handle h, long batchId, String message, Optional<Duration> retryAfter, boolean quotaCode) {
        Refused b = h.createQuery("SELECT provider, model, estimated_tokens FROM batches WHERE id = :id")
                .bind("id", batchId).map((rs, ctx) -> new Refused(rs.getString(1), rs.getString(2), rs.getLong(3)))
                .one();
        List<Long> ids = batched(h, batchId);
        OptionalLong stated = EnqueuedQuotas.statedLimit(message);
        stated.ifPresent(l -> EnqueuedQuotas.learn(h, b.provider(), b.model(), l, message));
        long quota = EnqueuedQuotas.limit(h, b.provider(), b.model(), limits.apply(b.provider()).enqueuedTokens(b.model()));
        long inFlight = h.createQuery("SELECT coalesce(sum(tokens), 0) FROM quota_ledger WHERE provider = :p AND model = :m "
                        + "AND released_at IS NULL AND batch_id <> :id")
                .bind("p", b.provider()).bind("m", b.model()).bind("id", batchId).mapTo(Long.class).one();
        Next next = next(b.tokens(), ids.size(), quota, inFlight, quotaCode || stated.isPresent());
        String limit = quota > 0 ? String.format("%,d", quota) : "not stated";
        String what = switch (next) {
            case SPLIT -> "larger than the quota on its own: packed again in batches that fit";
            case WAIT -> "waiting for one of the batches in flight (" + String.format("%,d", inFlight)
                    + " tokens) to finish";
            case HALVE -> "nothing else in flight: batches of " + b.provider() + " " + b.model() + " are at most "
                    + String.format("%,d", EnqueuedQuotas.halve(h, b.provider(), b.model(), b.tokens()))
                    + " tokens from now on";
            case BACK_OFF -> "tried again later";
        };
        if (next == Next.WAIT) {
            EnqueuedQuotas.waitForFinish(h, b.provider(), b.model());
        }
        Duration wait = next != Next.BACK_OFF ? Duration.ZERO
                // a provider that says how long the quota stays full is believed when it asks for longer
                : retryAfter.filter(w -> w.compareTo(quotaBackoff) > 0).orElse(quotaBackoff);
        String reason = "provider quota: batch " + batchId + " of " + ids.size() + " request(s), ~"
                + String.format("%,d", b.tokens()) + " tokens by our count, refused (limit " + limit + "); " + what;
        states.requeueWithoutAttempt(h, ids, reason, wait);
        LOG.warn("Batch {} refused by {} for quota ({}): {}", batchId, b.provider(), message, reason);
    }

    public void inputRefused(SubmitBatch b, ProviderException e) {
        jdbi.useTransaction(h -> {
            for (Long id : batched(h, b.id())) {
                states.retryOwnFailure(h, id, "batch refused by " + b.provider() + ": " + e.getMessage(), null);
            }
            Batches.abandon(h, b.id(), e.getMessage());
            // requests that used their last attempt are dead: their jobs may have nothing left to wait for
            completion.complete(h);
        });
        LOG.warn("Batch {} refused by {}: {}", b.id(), b.provider(), e.getMessage());
    }

    /** The requests the batch still holds. */
    private static List<Long> batched(Handle h, long batchId) {
        return h.createQuery("SELECT id FROM requests WHERE batch_id = :b AND state = 'batched'")
                .bind("b", batchId).mapTo(Long.class).list();
    }

    private record Refused(String provider, String model, long tokens) {
    }
}
