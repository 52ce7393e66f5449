package dev.batchpipe.pipeline;

import dev.batchpipe.image.ImageData;
import java.util.List;

/**
 * Pending requests rendered as one line of their provider's batch file (UTF-8 JSON, no newline): a request alone, or
 * the items of a micro-batch ({@link RequestGroups}). The bytes that are measured against the limits are the bytes
 * written to the batch file. {@code line} is null when no adapter of the requests' provider is configured;
 * {@code bytes} is what the line takes in a batch file, its newline included (and its images' base64, written in then).
 */
public record PendingLine(List<PendingRequest> requests, byte[] line, long bytes) {

    public PendingLine {
        requests = List.copyOf(requests);
    }

    /**
     * {@code bytes} measured here, once: packing asks for it for the limits and each batch's size, and measuring
     * scans the whole line for image placeholders.
     */
    public PendingLine(List<PendingRequest> requests, byte[] line) {
        this(requests, line, line == null ? 0 : ImageData.expandedLength(line) + 1L);
    }

    /** The line's first request: its provider, model and endpoint, and its account's state, are the line's. */
    public PendingRequest request() {
        return requests.get(0);
    }

    /** The line's input tokens, as its provider counts them. */
    public long tokens() {
        return requests.stream().mapToLong(PendingRequest::tokens).sum();
    }

    /** The custom id of the micro-batch the line is, or null for a request alone. */
    public String groupId() {
        return requests.size() > 1 ? RequestRenderer.groupId(request().id(), request().nextSubmission()) : null;
    }
}
