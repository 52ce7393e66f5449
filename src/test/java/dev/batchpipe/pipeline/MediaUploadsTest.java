package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchpipe.provider.GeminiBatchProvider;
import dev.batchpipe.provider.MediaFiles.MediaFile;
import dev.batchpipe.provider.ProviderCamel;
import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.ProviderLimits;
import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.SandboxExtension;
import dev.batchpipe.support.DatabaseTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Videos reach Gemini's Files API once per content, whatever was recorded or lost before, on a real PostgreSQL. */
class MediaUploadsTest extends DatabaseTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(SandboxConfig.builder().speed(1000));
    @RegisterExtension
    static final ProviderCamel camel = new ProviderCamel(3, Duration.ofMillis(10), Duration.ofMillis(50));

    @TempDir
    Path dir;

    private GeminiBatchProvider gemini() {
        return new GeminiBatchProvider(new GeminiBatchProvider.Settings(() -> sandbox.server().geminiBaseUrl(),
                () -> "AIza-media", 20_000_000, new ProviderLimits(1000, 10_000_000, java.util.Map.of(), 0, 0)), camel.http());
    }

    private MediaUploads uploads() {
        return new MediaUploads(db, Duration.ofSeconds(20), Duration.ofMillis(100));
    }

    /** The first bytes of an MP4 (an {@code ftyp} box) and some payload that makes each clip's content its own. */
    private Path mp4(String name, String payload) throws Exception {
        byte[] head = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0};
        Path file = dir.resolve(name);
        Files.write(file, head);
        Files.writeString(file, payload.repeat(200), java.nio.file.StandardOpenOption.APPEND);
        return file;
    }

    private long uploadsSeen() {
        return sandbox.server().stats().gemini().filesUploaded();
    }

    @Test
    void theSameContentIsUploadedOnceAndGivenOnlyWhenTheProviderHasProcessedIt() throws Exception {
        Path clip = mp4("clip.mp4", "runway ");
        Path copy = Files.copy(clip, dir.resolve("copy-of-clip.mp4"));

        MediaFile first = uploads().fileFor("gemini", gemini(), clip, "video/mp4", "hash-runway", Files.size(clip));
        MediaFile again = uploads().fileFor("gemini", gemini(), copy, "video/mp4", "hash-runway", Files.size(copy));

        assertThat(first.active()).as("the sandbox answers PROCESSING to the first status check").isTrue();
        assertThat(again.name()).isEqualTo(first.name());
        assertThat(first.uri()).endsWith("/v1beta/" + first.name());
        assertThat(uploadsSeen()).isEqualTo(1);
        assertThat(text("SELECT state || ' ' || file_name FROM media_uploads WHERE content_hash = 'hash-runway'"))
                .isEqualTo("uploaded " + first.name());
    }

    @Test
    void aFileUploadedJustBeforeACrashIsFoundAtTheProviderAndNotSentAgain() throws Exception {
        Path clip = mp4("crash.mp4", "backstage ");
        // what a crash between the provider's answer and our record leaves: the row says uploading, the file is there
        db.useHandle(h -> h.execute("INSERT INTO media_uploads (provider, content_hash, mime_type, size_bytes, state) "
                + "VALUES ('gemini', 'hash-backstage', 'video/mp4', 1, 'uploading')"));
        MediaFile before = gemini().upload(clip, "video/mp4", MediaUploads.displayName("hash-backstage"));
        long seen = uploadsSeen();

        MediaFile after = uploads().fileFor("gemini", gemini(), clip, "video/mp4", "hash-backstage", Files.size(clip));

        assertThat(after.name()).isEqualTo(before.name());
        assertThat(uploadsSeen()).isEqualTo(seen);
        assertThat(text("SELECT state FROM media_uploads WHERE content_hash = 'hash-backstage'")).isEqualTo("uploaded");
    }

    @Test
    void aRecordedFileTheProviderNoLongerHasOrSoonDeletesIsUploadedAgain() throws Exception {
        Path clip = mp4("gone.mp4", "catwalk ");
        db.useHandle(h -> h.execute("INSERT INTO media_uploads (provider, content_hash, mime_type, size_bytes, state, "
                + "file_name, file_uri, expires_at) VALUES ('gemini', 'hash-gone', 'video/mp4', 1, 'uploaded', "
                + "'files/deleted-long-ago', 'https://example.invalid/v1beta/files/deleted-long-ago', "
                + "now() + interval '2 days'), ('gemini', 'hash-expiring', 'video/mp4', 1, 'uploaded', "
                + "'files/expiring', 'https://example.invalid/v1beta/files/expiring', now() + interval '1 hour')"));

        MediaFile gone = uploads().fileFor("gemini", gemini(), clip, "video/mp4", "hash-gone", Files.size(clip));
        MediaFile expiring = uploads().fileFor("gemini", gemini(), clip, "video/mp4", "hash-expiring", Files.size(clip));

        assertThat(gone.name()).isNotEqualTo("files/deleted-long-ago");
        assertThat(expiring.name()).isNotEqualTo("files/expiring");
        assertThat(uploadsSeen()).isEqualTo(2);
        assertThat(text("SELECT file_name FROM media_uploads WHERE content_hash = 'hash-gone'")).isEqualTo(gone.name());
    }

    @Test
    void bytesThatAreNotTheDeclaredVideoTypeAreRefusedByTheProviderAndNothingIsRecordedAsUploaded() throws Exception {
        Path notVideo = dir.resolve("notes.mp4");
        Files.writeString(notVideo, "these are notes, not a video");

        assertThatThrownBy(() -> uploads().fileFor("gemini", gemini(), notVideo, "video/mp4", "hash-notes",
                Files.size(notVideo)))
                .isInstanceOf(ProviderException.class)
                .hasMessageContaining("not the declared video/mp4");
        assertThat(text("SELECT state FROM media_uploads WHERE content_hash = 'hash-notes'")).isEqualTo("uploading");
        assertThat(uploadsSeen()).isZero();
    }
}
