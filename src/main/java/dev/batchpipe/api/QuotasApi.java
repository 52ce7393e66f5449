package dev.batchpipe.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.batchpipe.store.JobReports;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/quotas}: each model's enqueued-token quota as batchpipe knows it (configured, or stated by the
 * provider in a refusal), how many tokens the provider counts per token of our estimate, and the requests held for
 * the quota with their tokens by our count and by the provider's (the same numbers {@code batchpipe status} shows).
 */
public final class QuotasApi {

    /** Every model batchpipe knows a quota, a calibration or held requests of. */
    public record Quotas(List<Quota> items) {
    }

    /**
     * One model's quota. {@code quota}: what packing obeys (0: none known); {@code quota_learned}: it is the limit
     * the provider stated in a refusal; {@code provider_factor}: the provider's prompt tokens per token of our
     * estimate (null before any usage); {@code held_*}: the requests held for the quota now.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Quota(String provider, String model, long quota, boolean quotaLearned, long configured,
                        Instant learnedAt, Double providerFactor, Long maxBatchTokens, long inFlightTokens,
                        Instant heldSince, long heldRequests, long heldOurTokens, long heldProviderTokens,
                        boolean waitingForABatchToFinish, Instant lastProgressAt) {
    }

    private final JobReports reports;

    public QuotasApi(JobReports reports) {
        this.reports = reports;
    }

    public Quotas list() {
        return new Quotas(reports.quotas().stream().map(q -> new Quota(q.provider(), q.model(), q.quota(),
                q.learned() != null, q.configured(), q.learnedAt(), q.providerFactor(), q.maxBatchTokens(),
                q.inFlightTokens(), q.heldSince(), q.heldRequests(), q.heldOurTokens(), q.heldProviderTokens(),
                q.waitingSince() != null, q.lastProgressAt())).toList());
    }
}
