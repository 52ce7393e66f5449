package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchpipe.provider.ProviderLimits;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a group may take: the quota packing obeys, the share of it one batch may take, and what never fits. */
class BatchLimitsTest {

    private final BatchLimits limits = new BatchLimits(p -> new ProviderLimits(100, 1_000_000, Map.of(), 2000, 0), 0.5);

    private static PendingLine line(int tokens, long inFlight, long quota, long batchTokens) {
        return new PendingLine(List.of(new PendingRequest(1, "t", "main", "openai", "m", "/e", tokens, 0, "{}", inFlight,
                0, quota, batchTokens, false)), new byte[10]);
    }

    @Test
    void aBatchTakesAtMostItsShareOfTheQuotaAndNoMoreThanRefusalsLeft() {
        assertThat(limits.budget(line(10, 200, 1000, 0).request()))
                .isEqualTo(new BatchDraft.Budget(800, Long.MAX_VALUE, 500, false, 250));
        assertThat(limits.budget(line(10, 0, 1000, 300).request()))
                .isEqualTo(new BatchDraft.Budget(1000, Long.MAX_VALUE, 300, true, 250));
        assertThat(limits.budget(line(10, 0, 0, 0).request()))
                .isEqualTo(new BatchDraft.Budget(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, true, 0));
    }

    @Test
    void onlyAConfiguredQuotaDeadLettersARequestLargerThanIt() {
        assertThat(limits.refusal(line(2500, 0, 2000, 0))).contains("more than the enqueued-token quota of 2000");
        BatchLimits unconfigured = new BatchLimits(p -> new ProviderLimits(100, 1_000_000, Map.of(), 0, 0), 0.5);
        assertThat(unconfigured.refusal(line(2500, 0, 2000, 0))).as("2000 was stated by the provider").isNull();
        assertThatThrownBy(() -> new BatchLimits(p -> null, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
