package dev.batchpipe.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The rule of mode auto: size first, then the deadline against a batch's expected turnaround. */
class AutoModeChooserTest {

    private static final String WINDOW = "the provider's 24-hour window";

    @Test
    void aJobWithFewerItemsThanTheThresholdGoesRealtimeWhateverItsDeadline() {
        assertThat(AutoModeChooser.rule(99, 100, null, 0, null))
                .isEqualTo(new AutoModeChooser.Choice("realtime", "99 item(s), fewer than batchpipe.auto.realtime-below (100)"));
        assertThat(AutoModeChooser.rule(99, 100, 48 * 3600L, 86_400, WINDOW).mode()).isEqualTo("realtime");
    }

    @Test
    void aLargerJobGoesBatchWithoutDeadlineOrWhenABatchMeetsIt() {
        assertThat(AutoModeChooser.rule(100, 100, null, 0, null)).isEqualTo(new AutoModeChooser.Choice("batch",
                "100 item(s), not fewer than batchpipe.auto.realtime-below (100), and no deadline"));
        assertThat(AutoModeChooser.rule(500, 100, 48 * 3600L, 86_400, WINDOW)).isEqualTo(new AutoModeChooser.Choice(
                "batch", "500 item(s), not fewer than batchpipe.auto.realtime-below (100); a batch is expected to take "
                        + "24h 00m (" + WINDOW + "), within the 48h 00m left before the deadline"));
    }

    @Test
    void aLargerJobGoesRealtimeWhenABatchWouldMissItsDeadline() {
        assertThat(AutoModeChooser.rule(500, 100, 7200L, 86_400, WINDOW)).isEqualTo(new AutoModeChooser.Choice(
                "realtime", "a batch is expected to take 24h 00m (" + WINDOW + "), more than the 2h 00m left before the "
                        + "deadline"));
        // a deadline already passed: every minute counts
        assertThat(AutoModeChooser.rule(500, 100, -60L, 600, WINDOW).reason()).endsWith("more than the 0h 00m left before the deadline");
    }

    @Test
    void aJobWithNothingToSendNeedsNoRealtimeCall() {
        assertThat(AutoModeChooser.rule(0, 100, 60L, 0, null)).isEqualTo(new AutoModeChooser.Choice("batch",
                "nothing to send"));
    }
}
