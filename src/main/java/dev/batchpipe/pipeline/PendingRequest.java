package dev.batchpipe.pipeline;

/**
 * A request waiting to be packed, with what its provider account had in flight when it was read: the enqueued tokens
 * of its model and the requests queued in unfinished batches (a snapshot the packing budget starts from). Its
 * {@code tokens} are counted the way its provider counts them: our estimate times the learned factor and the safety
 * margin. {@code quota}: its model's enqueued-token quota (a limit the provider stated, else the configured one; 0:
 * none); {@code batchTokens}: the most one batch of the model may take after refusals (0: no such limit);
 * {@code alone}: it must not share a prompt with other items (a micro-batch answer missed or broke it).
 */
public record PendingRequest(long id, String task, String template, String provider, String model, String endpoint,
                             int tokens, int submissions, String payload, long tokensInFlight, long requestsQueued,
                             long quota, long batchTokens, boolean alone) {

    /** The submission this packing makes of it (its custom id carries the number). */
    public int nextSubmission() {
        return submissions + 1;
    }
}
