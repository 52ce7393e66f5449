package dev.batchpipe.provider;

import java.io.Closeable;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One provider's batch API. The pipeline (packing, quota, polling, ingest, retries) is provider-neutral and drives
 * every provider through these calls; adapters only encode and decode.
 *
 * <p>Submission is split so that every step's outcome can be recorded before the next: {@link #upload} (may be
 * repeated safely: an orphan file costs nothing), then {@link #create}, which is not repeated blindly: after a crash
 * or a lost answer the pipeline first looks for the batch ({@link #findCreated}).
 */
public interface BatchProvider {

    String name();

    ProviderLimits limits();

    /** Whether the API has an embeddings endpoint ({@link BatchRequest#EMBEDDINGS} requests); Anthropic's has none. */
    boolean embeds();

    /** The largest image this provider takes in a request, in bytes before base64 (OpenAI: 20 MB). */
    default long maxImageBytes() {
        return 20L << 20;
    }

    /** The image media types this provider takes. */
    default java.util.Set<String> imageTypes() {
        return java.util.Set.of("image/png", "image/jpeg", "image/gif", "image/webp");
    }

    /** One request as a line of this provider's batch input (UTF-8 JSON, no newline). */
    byte[] encode(BatchRequest request);

    /**
     * The same request as one synchronous call to the provider's realtime endpoint, whose body is what the request's
     * batch line carries (one encoding per provider).
     */
    ProviderRequest realtime(BatchRequest request);

    /** A realtime call's answer, decoded as the result line a batch would have held for it. */
    ResultLine answer(String customId, com.fasterxml.jackson.databind.JsonNode body);

    /** Uploads the input file; returns the provider's file id, or null when requests travel inline in create. */
    String upload(Path jsonl, String displayName);

    /**
     * Creates the batch. {@code tag} identifies it as ours (metadata or display name) for {@link #findCreated}.
     * {@code jsonl} is the same file that was uploaded (used inline by providers without file upload).
     */
    ProviderBatch create(String model, String endpoint, String inputFileId, Path jsonl, int requestCount, String tag);

    /**
     * A batch we may have created earlier, found through its tag or, at providers whose batches carry no tag, by
     * what the lookup knows about it. Never one that {@code recordedElsewhere} says belongs to another of our batches.
     */
    Optional<ProviderBatch> findCreated(Lookup lookup);

    /**
     * What is known about a batch whose create call may have succeeded before a crash.
     *
     * @param tag               our tag, as {@link #create} was given it
     * @param since             it cannot have been created earlier than this
     * @param requestCount      how many requests it holds
     * @param recordedElsewhere true for a provider batch id that is already recorded for another batch of ours
     */
    record Lookup(String tag, Instant since, int requestCount, Predicate<String> recordedElsewhere) {
    }

    ProviderBatch get(String providerBatchId);

    void cancel(String providerBatchId);

    /** Every result line of a batch in a terminal state (successes and failures), streamed. */
    ResultStream results(ProviderBatch batch);

    /** Result lines that hold an open connection; closing releases it. */
    interface ResultStream extends Iterator<ResultLine>, Closeable {
    }
}
