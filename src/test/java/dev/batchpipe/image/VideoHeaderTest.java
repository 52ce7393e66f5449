package dev.batchpipe.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchpipe.support.TestVideos;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoHeaderTest {

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void anMp4IsKnownByItsBytesAndItsDurationReadFromTheMovieHeaderAfterTheMedia() throws Exception {
        VideoHeader h = VideoHeader.read(write("clip.bin", TestVideos.mp4(12.5, 5000, 1)));

        assertThat(h.mediaType()).isEqualTo("video/mp4");
        assertThat(h.seconds()).isEqualTo(12.5);
        assertThat(new VideoPart(h.mediaType(), "x", 1, h.seconds()).tokens())
                .as("13 seconds at 258 + 32 tokens a second").isEqualTo(13 * 290);
    }

    @Test
    void aCutOffMp4IsTruncatedAndOneWithoutItsMovieHeaderIsNotWhole() throws Exception {
        byte[] whole = TestVideos.mp4(3, 4000, 2);

        assertThatThrownBy(() -> VideoHeader.read(write("cut.mp4", TestVideos.cut(whole, 2000))))
                .isInstanceOf(BadImage.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> VideoHeader.read(write("no-moov.mp4", TestVideos.cut(whole, whole.length - 116))))
                .isInstanceOf(BadImage.class).hasMessageContaining("no moov box");
    }

    @Test
    void aWebmHasNoStatedDurationSoItIsEstimatedFromItsSize() throws Exception {
        VideoHeader h = VideoHeader.read(write("clip.webm", TestVideos.webm(500_000)));

        assertThat(h.mediaType()).isEqualTo("video/webm");
        assertThat(h.seconds()).isEqualTo(4.0);
    }

    @Test
    void somethingElseIsNoVideoWhateverItsName() throws Exception {
        assertThatThrownBy(() -> VideoHeader.read(write("notes.mp4", "meeting notes, not a video".getBytes())))
                .isInstanceOf(BadImage.class).hasMessageContaining("not a video of a type we know");
        assertThatThrownBy(() -> VideoHeader.read(write("empty.mp4", new byte[0])))
                .isInstanceOf(BadImage.class).hasMessage("empty file");
    }
}
