package dev.batchpipe.pipeline;

import java.time.Instant;

/** A submitted batch claimed for a status check: how often it was polled, its provider-side window, when we sent it. */
public record PolledBatch(long id, String provider, String providerBatchId, int polls, Instant expiresAt,
                          Instant submittedAt) {
}
