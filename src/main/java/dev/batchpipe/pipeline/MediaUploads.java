package dev.batchpipe.pipeline;

import dev.batchpipe.CrashPoints;
import dev.batchpipe.provider.MediaFiles;
import dev.batchpipe.provider.MediaFiles.MediaFile;
import dev.batchpipe.provider.ProviderException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A video's file at the provider, uploaded at most once per content hash across requests, jobs, instances and
 * crashes. One instance at a time handles a given content (a session advisory lock, released by PostgreSQL if the
 * instance dies); its state is in {@code media_uploads}: 'uploading' before the bytes go, so that after a crash the
 * provider is asked for a file of ours with that content (by display name) before anything is sent again; then
 * 'uploaded' with the name and URI. A file close to the provider's expiry is uploaded afresh. The file is ready when
 * the provider has processed it.
 */
public final class MediaUploads {

    private static final Logger LOG = LoggerFactory.getLogger(MediaUploads.class);
    /** A file is not referred to when the provider will delete it this soon: a batch may wait that long. */
    static final Duration EXPIRY_MARGIN = Duration.ofHours(25);

    private final Jdbi jdbi;
    private final Duration processingTimeout;
    private final Duration processingPoll;

    public MediaUploads(Jdbi jdbi, Duration processingTimeout, Duration processingPoll) {
        this.jdbi = jdbi;
        this.processingTimeout = processingTimeout;
        this.processingPoll = processingPoll;
    }

    /** Our display name for content: the provider finds our upload again by it. */
    static String displayName(String contentHash) {
        return "batchpipe-media-" + contentHash;
    }

    /** The processed file holding this content at the provider, uploading {@code file} only if it has none. */
    public MediaFile fileFor(String provider, MediaFiles files, Path file, String mimeType, String contentHash,
                             long size) {
        try (Handle h = jdbi.open()) {
            String lockKey = "media:" + provider + ":" + contentHash;
            h.createQuery("SELECT pg_advisory_lock(hashtextextended(:k, 0))").bind("k", lockKey).mapTo(String.class).one();
            try {
                MediaFile uploaded = recordedOrFound(h, provider, files, contentHash)
                        .flatMap(f -> stillThere(files, f))
                        .orElseGet(() -> upload(h, provider, files, file, mimeType, contentHash, size));
                return processed(files, uploaded);
            } finally {
                h.createQuery("SELECT pg_advisory_unlock(hashtextextended(:k, 0))").bind("k", lockKey)
                        .mapTo(String.class).one();
            }
        }
    }

    /** The file recorded as uploaded, or, after a crash mid-upload, the one the provider has under our name. */
    private Optional<MediaFile> recordedOrFound(Handle h, String provider, MediaFiles files, String contentHash) {
        Optional<Row> row = h.createQuery("""
                        SELECT state, file_name, file_uri, mime_type, expires_at FROM media_uploads
                        WHERE provider = :p AND content_hash = :h""")
                .bind("p", provider).bind("h", contentHash)
                .map((rs, ctx) -> new Row(rs.getString(1), new MediaFile(rs.getString(2), rs.getString(3),
                        rs.getString(4), false, false, rs.getTimestamp(5) == null ? null
                        : rs.getTimestamp(5).toInstant())))
                .findOne();
        if (row.isEmpty()) {
            return Optional.empty();
        }
        if (row.get().state().equals("uploaded")) {
            return Optional.of(row.get().file()).filter(MediaUploads::usable);
        }
        Optional<MediaFile> found = files.findUploaded(displayName(contentHash)).filter(MediaUploads::usable);
        found.ifPresent(f -> {
            LOG.info("Video {} was uploaded before a restart as {}: not sent again", contentHash, f.name());
            recordUploaded(h, provider, contentHash, f);
        });
        return found;
    }

    /** The recorded file as the provider has it now; empty when it has deleted it. */
    private static Optional<MediaFile> stillThere(MediaFiles files, MediaFile f) {
        try {
            return Optional.of(files.file(f.name()));
        } catch (ProviderException e) {
            if (e.status() == 403 || e.status() == 404) {
                LOG.info("Video file {} is gone from the provider: uploading it again", f.name());
                return Optional.empty();
            }
            throw e;
        }
    }

    private MediaFile upload(Handle h, String provider, MediaFiles files, Path file, String mimeType,
                             String contentHash, long size) {
        h.createUpdate("""
                        INSERT INTO media_uploads (provider, content_hash, mime_type, size_bytes, state)
                        VALUES (:p, :h, :m, :s, 'uploading')
                        ON CONFLICT (provider, content_hash) DO UPDATE SET state = 'uploading', file_name = NULL,
                            file_uri = NULL, expires_at = NULL, uploaded_at = NULL, started_at = now()""")
                .bind("p", provider).bind("h", contentHash).bind("m", mimeType).bind("s", size).execute();
        MediaFile uploaded = files.upload(file, mimeType, displayName(contentHash));
        CrashPoints.reached("after-media-upload");
        recordUploaded(h, provider, contentHash, uploaded);
        LOG.info("Uploaded video {} ({} bytes) to {} as {}", contentHash, size, provider, uploaded.name());
        return uploaded;
    }

    private static void recordUploaded(Handle h, String provider, String contentHash, MediaFile f) {
        h.createUpdate("""
                        UPDATE media_uploads SET state = 'uploaded', file_name = :n, file_uri = :u, expires_at = :e,
                            uploaded_at = now()
                        WHERE provider = :p AND content_hash = :h""")
                .bind("p", provider).bind("h", contentHash).bind("n", f.name()).bind("u", f.uri())
                .bind("e", f.expiresAt()).execute();
    }

    private static boolean usable(MediaFile f) {
        return f.expiresAt() == null || f.expiresAt().isAfter(Instant.now().plus(EXPIRY_MARGIN));
    }

    /** Waits while the provider processes the file; a file it could not process is a failure of the request. */
    private MediaFile processed(MediaFiles files, MediaFile f) {
        Instant deadline = Instant.now().plus(processingTimeout);
        MediaFile current = f;
        while (!current.active()) {
            if (current.failed()) {
                throw new ProviderException(400, "file_processing_failed", "the provider could not process video "
                        + current.name(), false);
            }
            if (Instant.now().isAfter(deadline)) {
                throw new ProviderException(503, "file_processing_timeout", "video " + current.name()
                        + " was still being processed after " + processingTimeout, true);
            }
            try {
                Thread.sleep(processingPoll.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while video " + current.name() + " was processed", e);
            }
            current = files.file(current.name());
        }
        return current;
    }

    private record Row(String state, MediaFile file) {
    }
}
