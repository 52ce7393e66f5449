package dev.batchpipe.pipeline;

/**
 * A request waiting to be packed, with what its provider account had in flight when it was read: the enqueued tokens
 * of its model and the requests queued in unfinished batches (a snapshot the packing budget starts from).
 */
public record PendingRequest(long id, String task, String template, String provider, String model, String endpoint,
                             int tokens, int submissions, String payload, long tokensInFlight, long requestsQueued) {

    /** The submission this packing makes of it (its custom id carries the number). */
    public int nextSubmission() {
        return submissions + 1;
    }
}
