package dev.batchpipe.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.support.TestImages;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDataTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void placeholdersBecomeTheImagesBase64AsTheLineIsWritten() throws Exception {
        ImageSpool spool = new ImageSpool(dir);
        byte[] png = TestImages.image("png", 20, 20, 1);
        byte[] jpeg = TestImages.image("jpeg", 30, 10, 2);
        ImagePart a = spool.store(new ByteArrayInputStream(png), 1 << 20);
        ImagePart b = spool.store(new ByteArrayInputStream(jpeg), 1 << 20);
        ObjectNode line = JSON.createObjectNode().put("text", "look \\u0001 and \u0001 here");
        line.putArray("parts").add("data:image/png;base64," + ImageData.placeholder(a)).add(ImageData.placeholder(b));
        byte[] encoded = line.toString().getBytes(StandardCharsets.UTF_8);
        assertThat(ImageData.hasImages(encoded)).isTrue();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageData.write(encoded, out, spool::path);

        ObjectNode written = (ObjectNode) JSON.readTree(out.toByteArray());
        assertThat(written.get("text").asText()).isEqualTo("look \\u0001 and \u0001 here");
        assertThat(written.get("parts").get(0).asText())
                .isEqualTo("data:image/png;base64," + Base64.getEncoder().encodeToString(png));
        assertThat(Base64.getDecoder().decode(written.get("parts").get(1).asText())).isEqualTo(jpeg);
        assertThat(ImageData.expandedLength(encoded)).isEqualTo(out.size());
        assertThat(ImageData.withoutImages(line.toString())).doesNotContain(a.sha256()).contains("look");
    }

    @Test
    void aLineWithoutImagesIsWrittenAsItIs() throws Exception {
        byte[] line = "{\"text\":\"no images \\u0001 here\"}".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageData.write(line, out, sha -> {
            throw new AssertionError("no image to read");
        });
        assertThat(out.toByteArray()).isEqualTo(line);
        assertThat(ImageData.hasImages(line)).isFalse();
        assertThat(ImageData.expandedLength(line)).isEqualTo(line.length);
    }
}
