package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderBatch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * When a running batch counts as stuck: its provider-side window passed by more than {@code stuckGrace}, or it has
 * run longer than {@code maxRunning} since we submitted it, whichever comes first. A stuck batch is cancelled, so what
 * it finished is kept and the rest resubmitted.
 */
public final class BatchDeadlines {

    private final Duration stuckGrace;
    private final Duration maxRunning;
    private final Clock clock;

    public BatchDeadlines(Duration stuckGrace, Duration maxRunning, Clock clock) {
        this.stuckGrace = stuckGrace;
        this.maxRunning = maxRunning;
        this.clock = clock;
    }

    /** Whether the batch, still running as {@code pb} says, is past its deadline (one already cancelling is not). */
    public boolean stuck(PolledBatch b, ProviderBatch pb) {
        if (pb.state() == ProviderBatch.State.CANCELLING) {
            return false;
        }
        Instant windowEnd = pb.expiresAt() != null ? pb.expiresAt() : b.expiresAt();
        Instant deadline = b.submittedAt().plus(maxRunning);
        if (windowEnd != null && windowEnd.plus(stuckGrace).isBefore(deadline)) {
            deadline = windowEnd.plus(stuckGrace);
        }
        return clock.instant().isAfter(deadline);
    }
}
