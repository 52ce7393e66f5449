package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.provider.ProviderLimits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The strategy driven the way Camel's aggregator drives a pre-completing strategy (no route): a batch completes before
 * the line that does not fit, and that line starts the next batch with the budget the previous one left.
 */
class BatchAggregationTest {

    @TempDir
    Path dir;

    private final DefaultCamelContext camel = new DefaultCamelContext();

    private static PendingLine line(long id, int tokens) {
        // 150 tokens in flight of the 1,000 quota when the requests were read
        return new PendingLine(List.of(new PendingRequest(id, "t", "main", "openai", "m", "/v1/chat/completions", tokens,
                0, "{}", 150, 0, 1000, 0, false)), "{}".getBytes());
    }

    /** Feeds the lines through the strategy; returns the completed batches' request ids. */
    private List<List<Long>> aggregate(BatchAggregation strategy, List<PendingLine> lines) {
        List<List<Long>> batches = new ArrayList<>();
        Exchange current = null;
        for (PendingLine l : lines) {
            Exchange next = camel.getEndpoint("direct:batch-lines").createExchange();
            next.getMessage().setBody(l);
            if (strategy.preComplete(current, next)) {
                strategy.onCompletion(current);
                batches.add(current.getMessage().getBody(BatchDraft.class).ids());
                current = null;
            }
            current = strategy.aggregate(current, next);
        }
        strategy.onCompletion(current);
        batches.add(current.getMessage().getBody(BatchDraft.class).ids());
        return batches;
    }

    @Test
    void batchesFollowTheRequestLimitAndTheQuotaLeftCarriesOverToTheNextBatch() {
        BatchFiles files = new BatchFiles(dir, null, null, null, new dev.batchpipe.image.ImageSpool(dir.resolve("images")));
        BatchAggregation strategy = new BatchAggregation(
                new BatchLimits(p -> new ProviderLimits(3, 1_000_000, Map.of(), 1000, 0), 1.0), files::open);
        List<PendingLine> lines = new ArrayList<>();
        for (long id = 1; id <= 10; id++) {
            lines.add(line(id, 100));
        }
        // 850 tokens left: 3 + 3 + 2 requests of 100; the ninth waits for quota, and the tenth behind it
        assertThat(aggregate(strategy, lines)).containsExactly(List.of(1L, 2L, 3L), List.of(4L, 5L, 6L), List.of(7L, 8L),
                List.of());
    }
}
