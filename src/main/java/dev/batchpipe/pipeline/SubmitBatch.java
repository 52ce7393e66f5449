package dev.batchpipe.pipeline;

import java.time.Instant;

/** A batch claimed for submission, in the state recorded so far ({@code packed}, {@code uploaded}, {@code creating}). */
public record SubmitBatch(long id, String provider, String model, String endpoint, String state, String inputFileId,
                          int requestCount, Instant createdAt) {

    SubmitBatch uploaded(String fileId) {
        return new SubmitBatch(id, provider, model, endpoint, "uploaded", fileId, requestCount, createdAt);
    }

    SubmitBatch creating() {
        return new SubmitBatch(id, provider, model, endpoint, "creating", inputFileId, requestCount, createdAt);
    }
}
