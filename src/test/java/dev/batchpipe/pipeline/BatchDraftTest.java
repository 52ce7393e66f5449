package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.provider.ProviderLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packing limits, without Camel: what a batch may take, when it is full, and what the next one may still take. */
class BatchDraftTest {

    private static final long NONE = Long.MAX_VALUE;

    @TempDir
    Path dir;

    private static ProviderLimits limits(int maxRequests, long maxBytes, long quota, int maxQueued) {
        return new ProviderLimits(maxRequests, maxBytes, Map.of(), quota, maxQueued);
    }

    /** A pending request of {@code tokens} whose line is {@code bytes - 1} bytes (plus its newline); quota 100. */
    private static PendingLine line(long id, int tokens, int bytes) {
        return new PendingLine(List.of(request(id, tokens)), "x".repeat(bytes - 1).getBytes());
    }

    private static PendingRequest request(long id, int tokens) {
        return new PendingRequest(id, "t", "main", "openai", "m", "/v1/chat/completions", tokens, 0, "{}", 0, 0, 100, 0,
                false);
    }

    @Test
    void aMicroBatchIsOneRequestToTheProviderWithTheTokensOfAllItsItems() {
        PendingLine group = new PendingLine(List.of(request(1, 10), request(2, 10), request(3, 10)), "xxxxxxxxx".getBytes());
        BatchDraft d = BatchDraft.start(group, limits(2, 1000, 0, 0), new BatchDraft.Budget(45, NONE), file("a"));
        assertThat(d.lines()).isEqualTo(1);
        assertThat(d.ids()).containsExactly(1L, 2L, 3L);
        assertThat(d.groups()).containsOnly("g1s1");
        assertThat(d.tokens()).isEqualTo(30);
        // a second line fits the request limit of 2, but not the 15 tokens left
        assertThat(d.fullFor(line(4, 15, 10))).isFalse();
        assertThat(d.fullFor(line(4, 16, 10))).isTrue();
        d.offer(line(4, 15, 10));
        assertThat(d.lines()).isEqualTo(2);
        assertThat(d.groups()).containsExactly("g1s1", "g1s1", "g1s1", null);
        assertThat(d.fullFor(line(5, 0, 10))).isTrue();
    }

    private BatchFiles.Writer file(String name) {
        return new BatchFiles.Writer(dir.resolve(name), new dev.batchpipe.image.ImageSpool(dir.resolve("images")));
    }

    @Test
    void aBatchIsFullAtTheRequestLimit() {
        BatchDraft d = BatchDraft.start(line(1, 10, 10), limits(2, 1000, 0, 0), new BatchDraft.Budget(NONE, NONE),
                file("a"));
        assertThat(d.fullFor(line(2, 10, 10))).isFalse();
        d.offer(line(2, 10, 10));
        assertThat(d.fullFor(line(3, 10, 10))).isTrue();
        assertThat(d.ids()).containsExactly(1L, 2L);
    }

    @Test
    void aBatchIsFullWhenTheNextLineWouldPassTheFileSize() {
        BatchDraft d = BatchDraft.start(line(1, 10, 60), limits(100, 100, 0, 0), new BatchDraft.Budget(NONE, NONE),
                file("a"));
        assertThat(d.fullFor(line(2, 10, 40))).isFalse();
        assertThat(d.fullFor(line(2, 10, 41))).isTrue();
        assertThat(d.bytes()).isEqualTo(60);
    }

    @Test
    void theQuotaLeftLimitsTheBatchAndTheNextBatchStartsWithWhatRemains() {
        ProviderLimits l = limits(100, 1000, 100, 0);
        BatchDraft first = BatchDraft.start(line(1, 40, 10), l, new BatchDraft.Budget(70, NONE), file("a"));
        assertThat(first.fullFor(line(2, 30, 10))).isFalse();
        first.offer(line(2, 30, 10));
        assertThat(first.fullFor(line(3, 1, 10))).as("70 tokens left, 70 taken").isTrue();
        assertThat(first.remaining()).isEqualTo(new BatchDraft.Budget(0, NONE));

        BatchDraft next = BatchDraft.start(line(3, 1, 10), l, first.remaining(), file("b"));
        assertThat(next.isEmpty()).isTrue();
        assertThat(next.waiting()).isEqualTo("openai m: waiting for enqueued-token quota (100 of 100 tokens in flight, as the provider counts them)");
        // a waiting batch takes nothing more, even what would fit: requests go by priority
        assertThat(next.fullFor(line(4, 0, 10))).isFalse();
        next.offer(line(4, 0, 10));
        assertThat(next.isEmpty()).isTrue();
    }

    @Test
    void theRoomInTheAccountQueueLimitsEveryBatchOfTheGroup() {
        ProviderLimits l = limits(100, 1000, 0, 4);
        BatchDraft first = BatchDraft.start(line(1, 1, 10), l, new BatchDraft.Budget(NONE, 3), file("a"));
        first.offer(line(2, 1, 10));
        first.offer(line(3, 1, 10));
        assertThat(first.fullFor(line(4, 1, 10))).isTrue();

        BatchDraft next = BatchDraft.start(line(4, 1, 10), l, first.remaining(), file("b"));
        assertThat(next.isEmpty()).isTrue();
        assertThat(next.waiting()).isEqualTo("openai: waiting for room in the batch queue (4 of 4 requests queued)");
    }

    @Test
    void theLinesTakenAreTheLinesInTheFile() throws IOException {
        BatchFiles.Writer w = file("batch.tmp");
        BatchDraft d = BatchDraft.start(line(1, 1, 3), limits(10, 1000, 0, 0), new BatchDraft.Budget(NONE, NONE), w);
        d.offer(line(2, 1, 5));
        w.finish();
        assertThat(Files.readString(w.path())).isEqualTo("xx\nxxxx\n");
        assertThat(d.bytes()).isEqualTo(Files.size(w.path()));
        assertThat(d.submissions()).containsExactly(0, 0);
        assertThat(d.tokens()).isEqualTo(2);
    }

    @Test
    void afterRefusalsABatchTakesAtMostTheHalvedSizeButItsFirstRequestAlways() {
        ProviderLimits l = limits(100, 1000, 0, 0);
        BatchDraft d = BatchDraft.start(line(1, 40, 10), l, new BatchDraft.Budget(NONE, NONE, 50, true, 0), file("a"));
        assertThat(d.ids()).containsExactly(1L);
        assertThat(d.fullFor(line(2, 10, 10))).isFalse();
        d.offer(line(2, 10, 10));
        assertThat(d.fullFor(line(3, 1, 10))).as("50 of 50").isTrue();

        BatchDraft big = BatchDraft.start(line(4, 80, 10), l, new BatchDraft.Budget(NONE, NONE, 50, true, 0), file("b"));
        assertThat(big.ids()).as("a request larger than the batch size goes alone").containsExactly(4L);
        assertThat(big.fullFor(line(5, 1, 10))).isTrue();
    }

    @Test
    void aRequestLargerThanAStatedQuotaGoesAloneOnlyWhenNothingIsInFlight() {
        ProviderLimits l = limits(100, 1000, 0, 0);
        BatchDraft idle = BatchDraft.start(line(1, 150, 10), l, new BatchDraft.Budget(100, NONE, NONE, true, 0), file("a"));
        assertThat(idle.ids()).containsExactly(1L);
        assertThat(idle.fullFor(line(2, 1, 10))).as("nothing joins it").isTrue();

        BatchDraft busy = BatchDraft.start(line(1, 150, 10), l, new BatchDraft.Budget(90, NONE, NONE, false, 0), file("b"));
        assertThat(busy.isEmpty()).isTrue();
        assertThat(busy.waiting()).contains("waiting for enqueued-token quota (10 of 100 tokens in flight");
    }

    @Test
    void whileSomeOfTheQuotaIsTakenNoBatchStartsIntoASliverOfIt() {
        ProviderLimits l = limits(100, 1000, 0, 0);
        BatchDraft sliver = BatchDraft.start(line(1, 5, 10), l, new BatchDraft.Budget(20, NONE, 60, false, 30), file("a"));
        assertThat(sliver.isEmpty()).isTrue();
        assertThat(sliver.waiting()).contains("waiting for room for a batch");
        BatchDraft idle = BatchDraft.start(line(1, 5, 10), l, new BatchDraft.Budget(20, NONE, 60, true, 30), file("b"));
        assertThat(idle.ids()).containsExactly(1L);
    }
}
