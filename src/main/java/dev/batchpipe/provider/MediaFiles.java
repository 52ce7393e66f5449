package dev.batchpipe.provider;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A provider that takes large media (video) as files uploaded once and referenced from requests by URI: Gemini's
 * Files API. The display name is ours, so a file uploaded just before a crash can be found again instead of being
 * uploaded twice.
 */
public interface MediaFiles {

    /** An uploaded file; {@code active} once the provider has processed it and requests may refer to it. */
    record MediaFile(String name, String uri, String mimeType, boolean active, boolean failed, Instant expiresAt) {
    }

    /** The largest file the provider takes (Gemini: 2 GB). */
    long maxFileBytes();

    /** The file we uploaded under this display name, if the provider still has it. */
    Optional<MediaFile> findUploaded(String displayName);

    /** Uploads the file (resumable protocol, streamed from disk). */
    MediaFile upload(Path file, String mimeType, String displayName);

    /** The file's current state. */
    MediaFile file(String name);
}
