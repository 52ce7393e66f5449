package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.provider.ProviderBatch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** When a running batch is stuck: past its provider window by the grace, or running too long, whichever is first. */
class BatchDeadlinesTest {

    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    private final BatchDeadlines deadlines = new BatchDeadlines(Duration.ofHours(1), Duration.ofHours(49),
            Clock.fixed(NOW, ZoneOffset.UTC));

    private static ProviderBatch running(ProviderBatch.State state, Instant expiresAt) {
        return new ProviderBatch("b1", state, "in_progress", 1, 0, 0, null, null, null, null, null, null, null, expiresAt,
                null, 0);
    }

    private static PolledBatch submitted(Duration ago) {
        return new PolledBatch(1, "openai", "b1", 3, null, NOW.minus(ago));
    }

    @Test
    void aBatchWithinItsWindowIsNotStuck() {
        assertThat(deadlines.stuck(submitted(Duration.ofHours(2)), running(ProviderBatch.State.RUNNING,
                NOW.plus(Duration.ofHours(1))))).isFalse();
    }

    @Test
    void aBatchAnHourPastItsWindowIsStuck() {
        assertThat(deadlines.stuck(submitted(Duration.ofHours(26)), running(ProviderBatch.State.RUNNING,
                NOW.minus(Duration.ofMinutes(61))))).isTrue();
        assertThat(deadlines.stuck(submitted(Duration.ofHours(26)), running(ProviderBatch.State.RUNNING,
                NOW.minus(Duration.ofMinutes(59))))).isFalse();
    }

    @Test
    void withoutAWindowTheRunningTimeDecides() {
        assertThat(deadlines.stuck(submitted(Duration.ofHours(50)), running(ProviderBatch.State.RUNNING, null))).isTrue();
        assertThat(deadlines.stuck(submitted(Duration.ofHours(48)), running(ProviderBatch.State.RUNNING, null))).isFalse();
    }

    @Test
    void theWindowRecordedAtSubmitCountsWhenTheProviderReportsNone() {
        PolledBatch b = new PolledBatch(1, "openai", "b1", 3, NOW.minus(Duration.ofHours(2)), NOW.minus(Duration.ofHours(26)));
        assertThat(deadlines.stuck(b, running(ProviderBatch.State.RUNNING, null))).isTrue();
    }

    @Test
    void aBatchAlreadyCancellingIsNotCancelledAgain() {
        assertThat(deadlines.stuck(submitted(Duration.ofHours(50)), running(ProviderBatch.State.CANCELLING, null)))
                .isFalse();
    }
}
