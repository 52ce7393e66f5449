package dev.batchpipe.cli;

import dev.batchpipe.StartupException;
import dev.batchpipe.task.TaskFiles;
import dev.batchpipe.task.TaskRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        TaskFiles.Reader name = f -> {
            Matcher m = NAME.matcher(Files.readString(f));
            if (m.find()) {
                names.add(m.group(1));
            }
        };
        try {
            TaskFiles.builtIn(name);
            TaskFiles.inFolder(Path.of(SettingsFile.load().required("batchpipe.tasks.dir")), name);
        } catch (IOException e) {
            throw new StartupException("Cannot list the tasks: " + e.getMessage(), e);
        }
        return names;
    }
}
