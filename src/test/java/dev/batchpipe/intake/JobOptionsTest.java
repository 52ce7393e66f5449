package dev.batchpipe.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The mode and deadline a job can be asked for with. */
class JobOptionsTest {

    @Test
    void deadlinesReadAsOnTheCommandLine() {
        assertThat(JobOptions.parseDeadline("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(JobOptions.parseDeadline("90m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(JobOptions.parseDeadline("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(JobOptions.parseDeadline(null)).isNull();
        for (String bad : new String[] {"soon", "0s", "-2h", ""}) {
            assertThatThrownBy(() -> JobOptions.parseDeadline(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("such as 2h");
        }
    }

    @Test
    void autoIsAModeAndOthersAreNot() {
        assertThat(JobOptions.file("t").withMode("auto").withDeadline(Duration.ofHours(2)))
                .extracting(JobOptions::mode, JobOptions::deadline).containsExactly("auto", Duration.ofHours(2));
        assertThatThrownBy(() -> JobOptions.file("t").withMode("fast")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mode must be batch, realtime or auto");
    }
}
