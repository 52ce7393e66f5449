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
        PendingRequests pending = new PendingRequests(db, p -> Optional.of(new ProviderLimits(1000, 1_000_000, Map.of(),
                quota, 0)), List.of("gemini"));
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
}
