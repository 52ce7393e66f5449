package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.PipelineTest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Packing respects the provider's request count per batch, the account's enqueued-token quota, and (Anthropic) the
 * account's queue of requests in unfinished batches.
 */
class PackingLimitsTest extends PipelineTest {

    @Override
    protected Map<String, String> settings() {
        // 25 articles of ~190 input tokens each: at most 10 per batch, and at most ~1,500 tokens enqueued at once
        return Map.of("batchpipe.openai.max-requests-per-batch", "10",
                "batchpipe.openai.enqueued-tokens.gpt-4o-mini", "1500",
                "batchpipe.anthropic.max-queued-requests", "4");
    }

    @Test
    void batchesStayWithinTheRequestLimitAndTheQuotaLedgerNeverOverflows() throws Exception {
        Path file = drop("news-classification", "many.jsonl", articles("pk", 25));
        long job = awaitJobFor(file);
        long perRequest = count("SELECT max(estimated_tokens) FROM requests WHERE job_id = ?", job);
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        List<Map<String, Object>> batches = db.withHandle(h -> h.createQuery(
                "SELECT request_count, estimated_tokens FROM batches ORDER BY id").mapToMap().list());
        assertThat(batches).hasSizeGreaterThanOrEqualTo(3);
        assertThat(batches).allSatisfy(b -> {
            assertThat(((Number) b.get("request_count")).intValue()).isBetween(1, 10);
            assertThat(((Number) b.get("estimated_tokens")).longValue()).isLessThanOrEqualTo(1500);
        });
        assertThat(perRequest * 10).as("the quota, not the request count, limited these batches").isGreaterThan(1500);
        // reservations overlapping in time never summed over the quota
        long worst = count("""
                SELECT coalesce(max(total), 0) FROM (
                  SELECT a.batch_id, (SELECT sum(b.tokens) FROM quota_ledger b
                                      WHERE b.reserved_at <= a.reserved_at
                                        AND (b.released_at IS NULL OR b.released_at > a.reserved_at)) AS total
                  FROM quota_ledger a) x""");
        assertThat(worst).isLessThanOrEqualTo(1500);
        assertThat(count("SELECT count(*) FROM quota_ledger WHERE released_at IS NULL")).isZero();
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'pk-%'")).isEqualTo(25);
    }

    @Test
    void aRequestThatCanNeverFitIsDeadLetteredWithTheReason() throws Exception {
        String huge = "{\"id\":\"huge-1\",\"title\":\"long\",\"contents\":\"" + "inflation rates banks ".repeat(800) + "\"}\n";
        Path file = drop("news-classification", "huge.jsonl", huge + articles("small", 1));
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("partial");
        assertThat(text("SELECT reason FROM dead_letters d JOIN requests r ON r.id = d.request_id JOIN items i "
                + "ON i.id = r.item_id WHERE i.source_key = 'huge-1'"))
                .contains("more than the enqueued-token quota of 1500").contains("can never be submitted");
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id = 'small-1'")).isEqualTo(1);
    }

    @Test
    void anthropicBatchesNeverQueueMoreRequestsThanTheAccountMay() throws Exception {
        long job = process("news-classification", "queued.jsonl", articles("queue", 10), "anthropic", "claude-haiku-4-5");
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(count("SELECT count(*) FROM batches WHERE provider = 'anthropic'")).isGreaterThanOrEqualTo(3);
        assertThat(count("SELECT max(request_count) FROM batches WHERE provider = 'anthropic'")).isLessThanOrEqualTo(4);
        // requests in batches not yet finished at the provider, whenever a batch was packed
        assertThat(count("""
                SELECT max((SELECT sum(b.request_count) FROM batches b WHERE b.provider = 'anthropic'
                              AND b.created_at <= a.created_at AND (b.finished_at IS NULL OR b.finished_at > a.created_at)))
                FROM batches a WHERE a.provider = 'anthropic'""")).isLessThanOrEqualTo(4);
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'queue-%'")).isEqualTo(10);
    }
}
