package dev.batchpipe.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchpipe.image.BadImage;
import dev.batchpipe.image.ImagePart;
import dev.batchpipe.image.ImageSpool;
import dev.batchpipe.support.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageInputsTest {

    private static final Set<String> ALL = Set.of("image/png", "image/jpeg", "image/gif", "image/webp");
    private static final long MAX = 1 << 20;

    @TempDir
    Path root;
    Path inbox;
    ImageSpool spool;
    ImageInputs inputs;
    byte[] png;

    @BeforeEach
    void folders() throws Exception {
        inbox = Files.createDirectories(root.resolve("inbox/fashion-images"));
        Files.createDirectories(inbox.resolve("images"));
        png = TestImages.image("png", 40, 30, 1);
        Files.write(inbox.resolve("images/a.png"), png);
        Files.write(root.resolve("secret.png"), png);
        spool = new ImageSpool(root.resolve("data/images"));
        inputs = new ImageInputs(spool, null);
    }

    private String reason(String reference, long max, Set<String> types) {
        try {
            inputs.local(reference, inbox, max, types);
            return "accepted";
        } catch (BadImage e) {
            return e.reason();
        }
    }

    private String reason(String reference) {
        return reason(reference, MAX, ALL);
    }

    @Test
    void aRelativePathIsReadIntoTheSpoolUnderItsHash() throws Exception {
        ImagePart part = inputs.local("images/a.png", inbox, MAX, ALL);
        assertThat(part.mediaType()).isEqualTo("image/png");
        assertThat(part.width()).isEqualTo(40);
        assertThat(part.height()).isEqualTo(30);
        assertThat(part.bytes()).isEqualTo(png.length);
        assertThat(Files.readAllBytes(spool.path(part.sha256()))).isEqualTo(png);
        // edited at its source after intake, the spooled image is still the one taken in
        Files.write(inbox.resolve("images/a.png"), TestImages.image("png", 8, 8, 2));
        assertThat(Files.readAllBytes(spool.path(part.sha256()))).isEqualTo(png);
        assertThat(inputs.local("./images/../images/a.png", inbox, MAX, ALL).sha256()).isNotEqualTo(part.sha256());
    }

    @Test
    void pathsThatLeaveTheFolderOrAreNoImageFileAreRefused() throws Exception {
        Files.createSymbolicLink(inbox.resolve("images/out.png"), root.resolve("secret.png"));
        Files.createSymbolicLink(inbox.resolve("images/in.png"), inbox.resolve("images/a.png"));
        Files.createDirectories(inbox.resolve("images/folder.png"));
        Files.writeString(inbox.resolve("images/notes.png"), "just text");
        Files.write(inbox.resolve("images/cut.png"), TestImages.truncated(png, png.length - 5));

        assertThat(reason("../../secret.png")).isEqualTo("the path climbs out of the input file's folder (..)");
        assertThat(reason("images/out.png")).isEqualTo("a symlink leading out of the input file's folder");
        assertThat(reason("images/in.png")).isEqualTo("accepted");
        assertThat(reason("images/folder.png")).isEqualTo("a directory, not an image");
        assertThat(reason("images/missing.png")).isEqualTo("no such file");
        assertThat(reason(root.resolve("secret.png").toString())).startsWith("must be a path relative");
        assertThat(reason("file:///etc/passwd")).startsWith("must be a path relative");
        assertThat(reason("images/notes.png")).startsWith("not an image");
        assertThat(reason("images/cut.png")).startsWith("truncated PNG");
        assertThat(reason("images/a.png", 100, ALL)).startsWith("larger than the provider's limit of 100 bytes");
        assertThat(reason("images/a.png", MAX, Set.of("image/jpeg"))).startsWith("image/png is not taken by the provider");
        assertThat(Files.list(root.resolve("data/images")).filter(p -> p.getFileName().toString().endsWith(".part")))
                .as("nothing left half-spooled").isEmpty();
    }

    @Test
    void aDataUriIsDecodedAndItsDeclaredTypeChecked() {
        String b64 = Base64.getEncoder().encodeToString(png);
        assertThat(reason("data:image/png;base64," + b64)).isEqualTo("accepted");
        assertThat(reason("data:image/jpeg;base64," + b64)).isEqualTo("the data: URI says image/jpeg but its bytes are image/png");
        assertThat(reason("data:image/png;base64," + b64.substring(0, 20) + "!!" + b64.substring(22)))
                .startsWith("cannot be read: Illegal base64 character");
        assertThat(reason("data:image/png," + "%89PNG")).startsWith("a data: URI must be base64");
    }
}
