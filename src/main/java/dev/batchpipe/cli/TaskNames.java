package dev.batchpipe.cli;

import dev.batchpipe.StartupException;
import dev.batchpipe.task.TaskRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The names of the known tasks (built into the jar, and in BATCHPIPE_TASKS_DIR), read from the task files' top-level
 * {@code name:} without loading them, so a command given an unknown task is refused before anything boots.
 */
final class TaskNames {

    private static final Pattern NAME = Pattern.compile("(?m)^name:\\s*[\"']?([a-z0-9][a-z0-9-]*)[\"']?\\s*$");

    private TaskNames() {
    }

    /** Refuses an unknown task with the same one line as the full configuration would. */
    static void require(String task) {
        Set<String> known = known();
        if (!known.contains(task)) {
            throw new TaskRegistry.UnknownTaskException(task, known);
        }
    }

    static Set<String> known() {
        Set<String> names = new TreeSet<>();
        try {
            var builtIn = TaskNames.class.getClassLoader().getResource("tasks");
            if (builtIn != null && builtIn.getProtocol().equals("jar")) {
                try (FileSystem jar = FileSystems.newFileSystem(URI.create(builtIn.toString().split("!")[0]), Map.of())) {
                    collect(jar.getPath("/tasks"), names);
                }
            } else if (builtIn != null) {
                collect(Path.of(builtIn.toURI()), names);
            }
            collect(Path.of(SettingsFile.load().required("batchpipe.tasks.dir")), names);
        } catch (IOException | URISyntaxException e) {
            throw new StartupException("Cannot list the tasks: " + e.getMessage(), e);
        }
        return names;
    }

    private static void collect(Path dir, Set<String> names) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).toList()) {
                Matcher m = NAME.matcher(Files.readString(f));
                if (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
    }
}
