package dev.batchpipe.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchpipe.support.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageHeaderTest {

    @TempDir
    Path dir;

    private ImageHeader read(byte[] bytes) throws Exception {
        Path f = dir.resolve("img-" + System.nanoTime());
        Files.write(f, bytes);
        return ImageHeader.read(f);
    }

    @Test
    void theTypeAndSizeComeFromTheBytes() throws Exception {
        assertThat(read(TestImages.image("png", 31, 17, 1))).isEqualTo(new ImageHeader("image/png", 31, 17));
        assertThat(read(TestImages.image("jpeg", 640, 480, 2))).isEqualTo(new ImageHeader("image/jpeg", 640, 480));
        assertThat(read(TestImages.image("gif", 12, 90, 3))).isEqualTo(new ImageHeader("image/gif", 12, 90));
        assertThat(read(TestImages.webp(300, 200))).isEqualTo(new ImageHeader("image/webp", 300, 200));
    }

    @Test
    void aFileCutOffAnywhereIsTruncated() throws Exception {
        for (String format : new String[] {"png", "jpeg", "gif"}) {
            byte[] whole = TestImages.image(format, 64, 64, 4);
            for (int n : new int[] {4, 12, 30, whole.length / 2, whole.length - 1}) {
                assertThatThrownBy(() -> read(TestImages.truncated(whole, n)))
                        .as("%s cut at %d of %d bytes", format, n, whole.length)
                        .isInstanceOf(BadImage.class).hasMessageMatching("(truncated|corrupt|not an image).*");
            }
        }
        assertThatThrownBy(() -> read(TestImages.truncated(TestImages.webp(10, 10), 30)))
                .isInstanceOf(BadImage.class).hasMessageStartingWith("truncated WEBP");
    }

    @Test
    void otherFilesAreNotImages() throws IOException {
        assertThatThrownBy(() -> read("not an image at all".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BadImage.class).hasMessageStartingWith("not an image");
        assertThatThrownBy(() -> read("%PDF-1.7\n".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BadImage.class).hasMessageStartingWith("not an image");
        assertThatThrownBy(() -> read(new byte[0])).isInstanceOf(BadImage.class).hasMessage("empty file");
    }
}
