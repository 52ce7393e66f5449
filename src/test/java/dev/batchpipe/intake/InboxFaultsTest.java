package dev.batchpipe.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InboxFaultsTest {

    @TempDir
    Path dir;

    @Test
    void aFaultIsSaidOncePerFileAndReasonAndAgainAfterTheFileWentThrough() {
        InboxFaults faults = new InboxFaults();
        var denied = new FileSystemException("/inbox/t/a.jsonl", null, "cannot be read (permission denied)");
        assertThat(faults.report("t/a.jsonl", denied)).isTrue();
        assertThat(faults.report("t/a.jsonl", new RuntimeException("wrapped", denied))).isFalse();
        assertThat(faults.report("t/b.jsonl", denied)).as("another file").isTrue();
        assertThat(faults.report("t/a.jsonl", new FileSystemException("/inbox/t/done", null, "No space left on device")))
                .as("another reason").isTrue();
        faults.cleared("t/a.jsonl");
        assertThat(faults.report("t/a.jsonl", denied)).isTrue();
    }

    @Test
    void theReasonNamesTheFileInTheFileSystemsOwnWords() {
        assertThat(InboxFaults.reason(new UncheckedIOException(new AccessDeniedException("/inbox/t/a.jsonl"))))
                .isEqualTo("/inbox/t/a.jsonl: permission denied");
        assertThat(InboxFaults.reason(new RuntimeException("bean failed", new IOException("No space left on device"))))
                .isEqualTo("No space left on device");
        assertThat(InboxFaults.why(new FileSystemException("/d", null, "Read-only file system")))
                .isEqualTo("Read-only file system");
    }

    @Test
    void aFileThatCanBeReadAndFoldersThatCanBeWrittenPass() throws IOException {
        Path file = Files.writeString(Files.createDirectories(dir.resolve("t")).resolve("a.jsonl"), "{}\n");
        InboxIntake intake = new InboxIntake();
        intake.checkReadable(file.toString());
        intake.checkWritable(file.toString());
        try (var left = Files.list(dir.resolve("t/done"))) {
            assertThat(left).as("the probe is gone").isEmpty();
        }
    }

    @Test
    void aDoneThatCannotTakeFilesFailsTheCheckNamingTheFolder() throws IOException {
        // a file where done/ should be: no folder can be made there, whoever runs the test (root too)
        Path file = Files.writeString(Files.createDirectories(dir.resolve("t")).resolve("a.jsonl"), "{}\n");
        Files.writeString(dir.resolve("t/done"), "not a folder");
        assertThatThrownBy(() -> new InboxIntake().checkWritable(file.toString()))
                .isInstanceOf(FileSystemException.class).hasMessageStartingWith(dir.resolve("t/done") + ": cannot be written (");
    }
}
