package dev.batchpipe.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.store.JobReports;
import dev.batchpipe.support.DatabaseTest;
import org.junit.jupiter.api.Test;

/** {@code GET /api/quotas}'s answer, from the quota tables on a real PostgreSQL. */
class QuotasApiTest extends DatabaseTest {

    @Test
    void aLearnedQuotaItsCalibrationAndTheRequestsHeldWithOursAndTheProvidersNumbers() {
        QuotasApi api = new QuotasApi(new JobReports(db));
        assertThat(api.list().items()).isEmpty();
        db.useHandle(h -> {
            long job = h.createQuery("INSERT INTO jobs (task, source_kind, source, status) "
                    + "VALUES ('q', 'api', 'quota', 'active') RETURNING id").mapTo(Long.class).one();
            for (int i = 0; i < 3; i++) {
                long item = h.createQuery("INSERT INTO items (task, source_key, content_hash, job_id, payload) "
                        + "VALUES ('q', :k, 'h', :j, '{}') RETURNING id").bind("k", "q" + i).bind("j", job)
                        .mapTo(Long.class).one();
                h.execute("INSERT INTO requests (item_id, job_id, task, template, provider, model, endpoint, "
                        + "estimated_tokens, max_output_tokens) VALUES (?, ?, 'q', 'r', 'openai', 'mini', "
                        + "'/v1/chat/completions', 100, 0)", item, job);
            }
            h.execute("INSERT INTO token_calibration (provider, model, our_tokens, provider_tokens, lines) "
                    + "VALUES ('openai', 'mini', 1000, 2100, 10)");
            h.execute("INSERT INTO enqueued_quotas (provider, model, configured, learned, learned_at, held_since, "
                    + "waiting_since) VALUES ('openai', 'mini', 1000000, 500, now(), now(), now())");
            h.execute("INSERT INTO enqueued_quotas (provider, model) VALUES ('gemini', 'flash')");
        });
        assertThat(api.list().items()).singleElement().satisfies(q -> {
            assertThat(q.quota()).isEqualTo(500);
            assertThat(q.quotaLearned()).isTrue();
            assertThat(q.configured()).isEqualTo(1_000_000);
            assertThat(q.providerFactor()).isEqualTo(2.1);
            assertThat(q.heldRequests()).isEqualTo(3);
            assertThat(q.heldOurTokens()).isEqualTo(300);
            assertThat(q.heldProviderTokens()).isEqualTo(630);
            assertThat(q.waitingForABatchToFinish()).isTrue();
        });
    }
}
