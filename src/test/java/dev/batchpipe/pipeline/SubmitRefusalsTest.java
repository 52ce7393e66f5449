package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.pipeline.SubmitRefusals.Next;
import org.junit.jupiter.api.Test;

/** What follows a quota refusal: never the same batch again. */
class SubmitRefusalsTest {

    @Test
    void aBatchLargerThanTheQuotaIsSplitEvenWhileOthersAreInFlight() {
        assertThat(SubmitRefusals.next(120_000, 300, 90_000, 0, true)).isEqualTo(Next.SPLIT);
        assertThat(SubmitRefusals.next(120_000, 300, 90_000, 50_000, true)).isEqualTo(Next.SPLIT);
    }

    @Test
    void aBatchThatFitsWaitsForOneInFlightToFinish() {
        assertThat(SubmitRefusals.next(60_000, 300, 90_000, 50_000, true)).isEqualTo(Next.WAIT);
        assertThat(SubmitRefusals.next(60_000, 300, 0, 50_000, true)).as("quota unknown").isEqualTo(Next.WAIT);
    }

    @Test
    void withNothingInFlightTheBatchIsHalvedAndALoneRequestBacksOff() {
        assertThat(SubmitRefusals.next(60_000, 300, 90_000, 0, true)).isEqualTo(Next.HALVE);
        assertThat(SubmitRefusals.next(600, 1, 500, 0, true)).isEqualTo(Next.BACK_OFF);
        assertThat(SubmitRefusals.next(600, 1, 500, 100, true)).isEqualTo(Next.WAIT);
    }

    @Test
    void aRefusalThatSaysNothingOfEnqueuedTokensBacksOffAsBefore() {
        assertThat(SubmitRefusals.next(120_000, 300, 90_000, 50_000, false)).isEqualTo(Next.BACK_OFF);
    }
}
