package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PollScheduleTest {

    private final PollSchedule schedule = new PollSchedule(Duration.ofSeconds(30), 1.5, Duration.ofMinutes(10),
            Duration.ofMillis(500), Duration.ofSeconds(3));

    @Test
    void pollsBackOffByTheFactorUpToTheMaximum() {
        assertThat(schedule.interval(false, 0)).isEqualTo(30.0);
        assertThat(schedule.interval(false, 1)).isEqualTo(45.0);
        assertThat(schedule.interval(false, 2)).isEqualTo(67.5);
        assertThat(schedule.interval(false, 20)).isEqualTo(600.0);
    }

    @Test
    void theSandboxIsPolledOnItsOwnQuickerSchedule() {
        assertThat(schedule.interval(true, 0)).isEqualTo(0.5);
        assertThat(schedule.interval(true, 10)).isEqualTo(3.0);
    }
}
