package dev.batchpipe.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ApiGuardTest {

    @Test
    void onLoopbackWithoutATokenAnyCallerMayChangeAndRead() {
        ApiGuard guard = new ApiGuard("127.0.0.1", "", 5);
        assertThat(guard.denied(null)).isNull();
        assertThat(guard.deniedRead(null)).isNull();
        assertThat(guard.openToTheNetwork()).isFalse();
    }

    @Test
    void boundBeyondLoopbackWithoutATokenChangesAndReadsAreRefused() {
        ApiGuard guard = new ApiGuard("0.0.0.0", null, 5);
        assertThat(guard.openToTheNetwork()).isTrue();
        assertThat(guard.denied("Bearer anything")).contains("BATCHPIPE_API_TOKEN").contains("0.0.0.0");
        assertThat(guard.deniedRead(null)).isNotNull();
    }

    @Test
    void aConfiguredTokenIsRequiredExactlyAndNeverShownInTheRefusal() {
        ApiGuard guard = new ApiGuard("127.0.0.1", "s3cret-token", 5);
        assertThat(guard.denied("Bearer s3cret-token")).isNull();
        for (String wrong : new String[] {null, "", "Bearer s3cret-toke", "Bearer s3cret-token ", "s3cret-token",
                "Basic s3cret-token"}) {
            assertThat(guard.denied(wrong)).as(String.valueOf(wrong)).isNotNull().doesNotContain("s3cret");
        }
        assertThat(guard.deniedRead(null)).as("reads on loopback stay open").isNull();
    }

    @Test
    void anAddressIsThrottledOnceItsFailuresUseUpTheMinutesBudget() {
        ApiGuard guard = new ApiGuard("127.0.0.1", "t", 3);
        guard.failed("10.0.0.1");
        guard.failed("10.0.0.1");
        assertThat(guard.throttled("10.0.0.1")).isEmpty();
        guard.failed("10.0.0.1");
        assertThat(guard.throttled("10.0.0.1")).hasValueSatisfying(wait ->
                assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1)));
        assertThat(guard.throttled("10.0.0.2")).as("another address is not slowed").isEmpty();
    }
}
