package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What the three provider APIs share: the emulator they translate to, their provider's wire format, and the batch
 * calls every provider has in its own words: finding a batch or file, paging through batches (newest first, with
 * a batch id as the cursor), cancelling and deleting.
 */
abstract class ProviderApi<F extends BatchFormat> {

    /** A page of batches, newest first, and whether more follow it. */
    record Page(List<BatchRecord> batches, boolean hasMore) {

        static final Page EMPTY = new Page(List.of(), false);

        String firstId() {
            return batches.isEmpty() ? null : batches.get(0).id;
        }

        String lastId() {
            return batches.isEmpty() ? null : batches.get(batches.size() - 1).id;
        }

        /** The list body OpenAI and Anthropic share: {@code data}, {@code has_more}, {@code first_id/last_id}. */
        ObjectNode json(Function<BatchRecord, ObjectNode> batchJson) {
            ObjectNode out = Json.object();
            ArrayNode data = out.putArray("data");
            batches.forEach(b -> data.add(batchJson.apply(b)));
            out.put("has_more", hasMore);
            out.put("first_id", firstId());
            out.put("last_id", lastId());
            return out;
        }
    }

    final Emulator emulator;
    final F format;
    private final Provider provider;

    @SuppressWarnings("unchecked") // the engine holds each provider's own format
    ProviderApi(Provider provider, Emulator emulator) {
        this.provider = provider;
        this.emulator = emulator;
        this.format = (F) emulator.engine().format(provider);
    }

    abstract void mount(Router router);

    /** The provider's answer to an unknown batch id. */
    abstract ApiError batchNotFound(String id);

    BatchRecord batch(String id) {
        return emulator.engine().get(provider, id).orElseThrow(() -> batchNotFound(id));
    }

    /** A file this provider's API uploaded. */
    Optional<FileRecord> file(String id) {
        return emulator.data().file(id).filter(f -> f.provider == provider);
    }

    /**
     * The newest {@code limit} batches ({@code afterId} null), or the {@code limit} older than {@code afterId}; empty
     * when that id is unknown.
     */
    Optional<Page> pageAfter(String afterId, int limit) {
        List<BatchRecord> all = emulator.engine().list(provider);
        int from = 0;
        if (afterId != null) {
            int at = indexOf(all, afterId);
            if (at < 0) {
                return Optional.empty();
            }
            from = at + 1;
        }
        int to = Math.min(all.size(), from + limit);
        return Optional.of(new Page(all.subList(from, to), to < all.size()));
    }

    /** The {@code limit} batches just newer than {@code beforeId}; empty when that is unknown. */
    Optional<Page> pageBefore(String beforeId, int limit) {
        List<BatchRecord> all = emulator.engine().list(provider);
        int to = indexOf(all, beforeId);
        if (to < 0) {
            return Optional.empty();
        }
        int from = Math.max(0, to - limit);
        return Optional.of(new Page(all.subList(from, to), from > 0));
    }

    private static int indexOf(List<BatchRecord> batches, String id) {
        for (int i = 0; i < batches.size(); i++) {
            if (batches.get(i).id.equals(id)) {
                return i;
            }
        }
        return -1;
    }

    /** Cancels on a worker thread; {@code answer} learns whether the batch could be (or is already being) cancelled. */
    void cancel(RoutingContext ctx, BatchRecord b, Consumer<Boolean> answer) {
        Http.blocking(ctx, () -> emulator.engine().cancel(b, System.currentTimeMillis()), answer);
    }

    /** Deletes an ended batch on a worker thread; a running one is refused with {@code whileRunning}. */
    void delete(RoutingContext ctx, BatchRecord b, String whileRunning, Runnable answer) {
        if (!b.phase.terminal()) {
            throw ApiError.invalid(whileRunning);
        }
        Http.blocking(ctx, () -> {
            emulator.engine().delete(b);
            return b.id;
        }, id -> answer.run());
    }
}
