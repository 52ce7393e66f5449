package dev.batchpipe.task;

import dev.batchpipe.StartupException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tasks batchpipe knows: those built into the jar ({@code tasks/} at the top of the project) and those in a
 * tasks folder on disk (BATCHPIPE_TASKS_DIR, default ./tasks), which win by name.
 */
public final class TaskRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(TaskRegistry.class);

    private final Map<String, TaskDefinition> tasks = new TreeMap<>();

    public TaskRegistry(Collection<TaskDefinition> definitions) {
        definitions.forEach(t -> tasks.put(t.name(), t));
    }

    /** The built-in tasks and those in {@code diskDir}, which win by name. */
    public static TaskRegistry load(Path diskDir) {
        Map<String, TaskDefinition> builtIn = new TreeMap<>();
        Map<String, TaskDefinition> onDisk = new TreeMap<>();
        try {
            TaskFiles.builtIn(f -> add(builtIn, read(f, "tasks/" + f.getFileName())));
        } catch (IOException e) {
            throw new StartupException("Cannot read the built-in tasks: " + e.getMessage(), e);
        }
        try {
            TaskFiles.inFolder(diskDir, f -> add(onDisk, read(f, f.toString())));
        } catch (IOException e) {
            throw new StartupException("Cannot read tasks in " + diskDir + ": " + e.getMessage(), e);
        }
        onDisk.forEach((name, t) -> LOG.debug("Task {} from {}", name, t.file()));
        builtIn.putAll(onDisk);
        LOG.info("Tasks: {}", String.join(", ", builtIn.keySet()));
        return new TaskRegistry(builtIn.values());
    }

    private static TaskDefinition read(Path file, String source) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return TaskLoader.load(in, source);
        }
    }

    private static void add(Map<String, TaskDefinition> tasks, TaskDefinition t) {
        TaskDefinition previous = tasks.putIfAbsent(t.name(), t);
        if (previous != null) {
            throw new TaskFileException(t.file() + ": task " + t.name() + " is also defined in " + previous.file());
        }
    }

    /**
     * This registry once every request template can go to its provider: {@code refusal} (provider, endpoint) says why
     * not (an embedding for a provider without an embeddings API), and the first refusal fails the load.
     */
    public TaskRegistry requireServed(BiFunction<String, String, Optional<String>> refusal) {
        for (TaskDefinition task : tasks.values()) {
            for (TaskDefinition.RequestTemplate t : task.requests()) {
                refusal.apply(t.provider(), t.endpoint()).ifPresent(reason -> {
                    throw new TaskFileException(task.file() + ": request " + t.name() + ": " + reason);
                });
            }
        }
        return this;
    }

    /** The task, or an operator-facing error listing the known ones. */
    public TaskDefinition get(String name) {
        TaskDefinition t = tasks.get(name);
        if (t == null) {
            throw new UnknownTaskException(name, tasks.keySet());
        }
        return t;
    }

    public boolean has(String name) {
        return tasks.containsKey(name);
    }

    public Collection<TaskDefinition> all() {
        return tasks.values();
    }

    public static final class UnknownTaskException extends StartupException {
        public UnknownTaskException(String name, Collection<String> known) {
            super("Unknown task '" + name + "' (known: " + String.join(", ", known) + ")");
        }
    }
}
