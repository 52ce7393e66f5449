package dev.batchpipe.pipeline;

import java.time.Duration;

/**
 * When a batch's status is checked next: from {@code firstInterval}, times {@code factor} per poll, up to
 * {@code maxInterval} (the sandbox, which finishes in seconds, has its own pair).
 */
public record PollSchedule(Duration firstInterval, double factor, Duration maxInterval, Duration sandboxFirstInterval,
                           Duration sandboxMaxInterval) {

    /** Seconds until the next status check of a batch polled {@code polls} times already. */
    public double interval(boolean sandbox, int polls) {
        Duration first = sandbox ? sandboxFirstInterval : firstInterval;
        Duration max = sandbox ? sandboxMaxInterval : maxInterval;
        return Math.min(max.toMillis(), first.toMillis() * Math.pow(factor, polls)) / 1000.0;
    }
}
