package dev.batchpipe.pipeline;

import dev.batchpipe.image.ImageData;

/**
 * A pending request rendered as its provider's batch line (UTF-8 JSON, no newline): the bytes that are measured
 * against the limits are the bytes written to the batch file. {@code line} is null when no adapter of the request's
 * provider is configured.
 */
public record PendingLine(PendingRequest request, byte[] line) {

    /** What the line takes in a batch file, its newline included (and its images' base64, written in then). */
    public long bytes() {
        return ImageData.expandedLength(line) + 1L;
    }
}
