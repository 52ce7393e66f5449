package dev.batchpipe.task;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The task files: those built in ({@code tasks/} on the classpath: in the jar, or target/classes in a build) and
 * those in a folder on disk. Found with the JDK alone, so the service and the read-only commands (which start no
 * Camel context) see the same files.
 */
public final class TaskFiles {

    /** What is done with each file while it can be read (a jar's files only can while the jar is open). */
    @FunctionalInterface
    public interface Reader {
        void read(Path file) throws IOException;
    }

    private TaskFiles() {
    }

    /** Each built-in task file, in name order. */
    public static void builtIn(Reader reader) throws IOException {
        URL tasks = TaskFiles.class.getClassLoader().getResource("tasks");
        if (tasks == null) {
            return;
        }
        try {
            if (!tasks.getProtocol().equals("jar")) {
                inFolder(Path.of(tasks.toURI()), reader);
                return;
            }
            URI jar = URI.create(tasks.toString().split("!")[0]);
            try (FileSystem fs = FileSystems.newFileSystem(jar, Map.of())) {
                inFolder(fs.getPath("/tasks"), reader);
            } catch (FileSystemAlreadyExistsException e) {
                inFolder(FileSystems.getFileSystem(jar).getPath("/tasks"), reader); // open elsewhere: theirs to close
            }
        } catch (URISyntaxException e) {
            throw new IOException("Cannot locate the built-in tasks at " + tasks, e);
        }
    }

    /** Each {@code .yaml} or {@code .yml} file of {@code dir}, in name order; none when it is not a folder. */
    public static void inFolder(Path dir, Reader reader) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> listed = Files.list(dir)) {
            files = listed.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
        for (Path f : files) {
            reader.read(f);
        }
    }
}
