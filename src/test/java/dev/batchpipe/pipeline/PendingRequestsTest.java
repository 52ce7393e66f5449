package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.provider.ProviderLimits;
import dev.batchpipe.support.DatabaseTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The due requests, on a real PostgreSQL: by group and priority, and only as far as the account's budget reaches, so
 * a backlog waiting for quota is not read (nor rendered) at every packing.
 */
class PendingRequestsTest extends DatabaseTest {

    @BeforeEach
    void tenRequestsOf100Tokens() {
        db.useHandle(h -> {
            h.execute("DELETE FROM quota_ledger");
            h.execute("DELETE FROM requests");
            h.execute("DELETE FROM items");
            h.execute("DELETE FROM jobs");
            h.execute("DELETE FROM batches");
            h.execute("DELETE FROM enqueued_quotas");
            h.execute("DELETE FROM token_calibration");
            long job = h.createQuery("INSERT INTO jobs (task, source_kind, source, status, source_fingerprint) "
                    + "VALUES ('t', 'file', 'f', 'active', 'fp') RETURNING id").mapTo(Long.class).one();
            for (int i = 1; i <= 10; i++) {
                long item = h.createQuery("INSERT INTO items (task, source_key, content_hash, job_id, payload) "
                        + "VALUES ('t', :k, 'h', :job, '{}') RETURNING id").bind("k", "k" + i).bind("job", job)
                        .mapTo(Long.class).one();
                h.createUpdate("INSERT INTO requests (item_id, job_id, task, template, provider, model, endpoint, "
                                + "estimated_tokens, priority) VALUES (:item, :job, 't', 'main', 'openai', 'm', '/e', 100, :p)")
                        .bind("item", item).bind("job", job).bind("p", i == 10 ? 9 : 5).execute();
            }
        });
    }

    private static List<PendingRequest> read(long quota) {
        return read(quota, 1.0);
    }

    private static List<PendingRequest> read(long quota, double margin) {
        PendingRequests pending = new PendingRequests(db, p -> Optional.of(new ProviderLimits(1000, 1_000_000, Map.of(),
                quota, 0)), List.of("gemini"), margin);
        List<PendingRequest> rows = new ArrayList<>();
        try (PendingRequests.Stream s = pending.open()) {
            s.forEachRemaining(rows::add);
        }
        return rows;
    }

    @Test
    void everyDueRequestByPriorityWhenNoQuotaIsEnforced() {
        List<PendingRequest> rows = read(0);
        assertThat(rows).hasSize(10);
        assertThat(rows.get(0).tokens()).isEqualTo(100);
        assertThat(rows.get(0).payload()).isEqualTo("{}");
        long first = rows.get(0).id();
        assertThat(rows.stream().mapToLong(PendingRequest::id).max().getAsLong()).as("priority 9 goes first")
                .isEqualTo(first);
    }

    @Test
    void onlyAsFarAsTheQuotaLeftReaches() {
        assertThat(read(350)).as("0, 100, 200 and 300 tokens ahead: the fourth is read, and found not to fit")
                .hasSize(4);
        db.useHandle(h -> h.execute("WITH b AS (INSERT INTO batches (provider, model, endpoint, request_count, "
                + "estimated_tokens, state) VALUES ('openai', 'm', '/e', 3, 300, 'submitted') RETURNING id) "
                + "INSERT INTO quota_ledger (batch_id, provider, model, tokens) SELECT id, 'openai', 'm', 300 FROM b"));
        List<PendingRequest> rows = read(350);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).tokensInFlight()).isEqualTo(300);
    }

    @Test
    void requestsAreCountedAsTheProviderCountsThemWithTheMargin() {
        db.useHandle(h -> h.execute("INSERT INTO token_calibration (provider, model, our_tokens, provider_tokens, lines) "
                + "VALUES ('openai', 'm', 1000, 2100, 10)"));
        List<PendingRequest> rows = read(0, 1.05);
        assertThat(rows.get(0).tokens()).as("100 × 2.1 × 1.05").isEqualTo(221);
        assertThat(read(1000, 1.0)).as("210 each: 0, 210, 420, 630, 840 ahead of the fifth").hasSize(5);

        db.useHandle(h -> h.execute("UPDATE token_calibration SET provider_tokens = 500"));
        assertThat(read(0, 1.0).get(0).tokens()).as("a factor below 1 is not believed").isEqualTo(100);
    }

    @Test
    void aLimitTheProviderStatedWinsOverTheConfiguredQuota() {
        db.useHandle(h -> h.execute("INSERT INTO enqueued_quotas (provider, model, configured, learned, max_batch_tokens) "
                + "VALUES ('openai', 'm', 5000, 250, 150)"));
        List<PendingRequest> rows = read(5000);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).quota()).isEqualTo(250);
        assertThat(rows.get(0).batchTokens()).isEqualTo(150);

        read(8000); // the operator configured another quota: it replaces what a refusal said
        assertThat(read(8000).get(0).quota()).isEqualTo(8000);
        assertThat(count("SELECT count(*) FROM enqueued_quotas WHERE learned IS NULL AND configured = 8000")).isEqualTo(1);
    }

    @Test
    void aModelWaitingForABatchToFinishIsNotReadWhileOneIsInFlightAndItsRequestsAreHeld() {
        db.useHandle(h -> h.execute("INSERT INTO enqueued_quotas (provider, model, waiting_since) "
                + "VALUES ('openai', 'm', now())"));
        assertThat(read(350)).as("nothing in flight: nothing to wait for").hasSize(4);
        db.useHandle(h -> h.execute("WITH b AS (INSERT INTO batches (provider, model, endpoint, request_count, "
                + "estimated_tokens, state) VALUES ('openai', 'm', '/e', 1, 100, 'submitted') RETURNING id) "
                + "INSERT INTO quota_ledger (batch_id, provider, model, tokens) SELECT id, 'openai', 'm', 100 FROM b"));
        assertThat(read(350)).isEmpty();
        assertThat(count("SELECT count(*) FROM enqueued_quotas WHERE held_since IS NOT NULL")).isEqualTo(1);
        assertThat(count("SELECT requests FROM quota_waits")).isEqualTo(10);

        db.useHandle(h -> h.execute("UPDATE enqueued_quotas SET waiting_since = NULL"));
        db.useHandle(h -> h.execute("UPDATE requests SET state = 'succeeded'"));
        read(350);
        assertThat(count("SELECT count(*) FROM enqueued_quotas WHERE held_since IS NOT NULL")).as("none held any more")
                .isZero();
    }
}
