package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.DatabaseTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The limits refusals state, and the quota state packing reads, on a real PostgreSQL. */
class EnqueuedQuotasTest extends DatabaseTest {

    @BeforeEach
    void clean() {
        db.useHandle(h -> {
            h.execute("DELETE FROM quota_ledger");
            h.execute("DELETE FROM batches");
            h.execute("DELETE FROM enqueued_quotas");
        });
    }

    @Test
    void theLimitIsReadFromEachProvidersWording() {
        assertThat(EnqueuedQuotas.statedLimit("Enqueued token limit reached for gpt-4o-mini in organization org-x. "
                + "Limit: 90,000 enqueued tokens. Please try again once some in_progress batches have been completed."))
                .hasValue(90_000);
        assertThat(EnqueuedQuotas.statedLimit("Number of enqueued batch tokens for claude-x exceeds your "
                + "organization's limit of 500. Please try again once some batches have ended.")).hasValue(500);
        assertThat(EnqueuedQuotas.statedLimit("Resource has been exhausted: enqueued tokens for model m would exceed "
                + "the limit of 3000000.")).hasValue(3_000_000);
        assertThat(EnqueuedQuotas.statedLimit("Rate limit reached for requests")).isEmpty();
        assertThat(EnqueuedQuotas.statedLimit(null)).isEmpty();
    }

    @Test
    void aLearnedLimitWinsAndIsForgottenWhenTheProviderAcceptsMore() {
        db.useHandle(h -> {
            assertThat(EnqueuedQuotas.limit(h, "openai", "m", 1000)).isEqualTo(1000);
            EnqueuedQuotas.learn(h, "openai", "m", 500, "Limit: 500 enqueued tokens");
            assertThat(EnqueuedQuotas.limit(h, "openai", "m", 1000)).isEqualTo(500);
            long batch = h.createQuery("INSERT INTO batches (provider, model, endpoint, request_count, estimated_tokens, "
                    + "state, provider_tokens) VALUES ('openai', 'm', '/e', 1, 700, 'finished', 650) RETURNING id")
                    .mapTo(Long.class).one();
            EnqueuedQuotas.finished(h, batch, false);
            assertThat(EnqueuedQuotas.limit(h, "openai", "m", 1000)).as("no results: proves nothing").isEqualTo(500);
            EnqueuedQuotas.finished(h, batch, true);
            assertThat(EnqueuedQuotas.limit(h, "openai", "m", 1000)).isEqualTo(1000);
        });
    }

    @Test
    void halvedBatchesDoubleBackAndTheProvidersFinishEndsTheWait() {
        db.useHandle(h -> {
            EnqueuedQuotas.learn(h, "openai", "m", 1000, "Limit: 1,000 enqueued tokens");
            assertThat(EnqueuedQuotas.halve(h, "openai", "m", 800)).isEqualTo(400);
            assertThat(EnqueuedQuotas.halve(h, "openai", "m", 400)).isEqualTo(200);
            EnqueuedQuotas.waitForFinish(h, "openai", "m");
            long batch = h.createQuery("INSERT INTO batches (provider, model, endpoint, request_count, estimated_tokens, "
                    + "state) VALUES ('openai', 'm', '/e', 1, 200, 'finished') RETURNING id").mapTo(Long.class).one();
            EnqueuedQuotas.released(h, batch);
            EnqueuedQuotas.finished(h, batch, true);
            assertThat(h.createQuery("SELECT max_batch_tokens FROM enqueued_quotas").mapTo(Long.class).one())
                    .isEqualTo(400);
            assertThat(h.createQuery("SELECT waiting_since IS NULL AND last_progress_at IS NOT NULL FROM enqueued_quotas")
                    .mapTo(Boolean.class).one()).isTrue();
            EnqueuedQuotas.finished(h, batch, true);
            assertThat(h.createQuery("SELECT max_batch_tokens FROM enqueued_quotas").mapTo(Long.class).findOne())
                    .as("800 then at the quota: no limit of its own").isPresent();
            EnqueuedQuotas.finished(h, batch, true);
            assertThat(h.createQuery("SELECT max_batch_tokens FROM enqueued_quotas").mapTo(Long.class).one()).isNull();
        });
    }
}
