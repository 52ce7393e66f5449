package dev.batchpipe.task;

import dev.batchpipe.StartupException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PackageScanResourceResolver;
import org.apache.camel.spi.Resource;
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

    public static TaskRegistry load(CamelContext context, Path diskDir) {
        Map<String, TaskDefinition> builtIn = new TreeMap<>();
        Map<String, TaskDefinition> onDisk = new TreeMap<>();
        PackageScanResourceResolver resolver = context.getCamelContextExtension()
                .getContextPlugin(PackageScanResourceResolver.class);
        try {
            for (Resource r : resolver.findResources("classpath:tasks/*.yaml")) {
                try (InputStream in = r.getInputStream()) {
                    add(builtIn, TaskLoader.load(in, "tasks/" + Path.of(r.getLocation()).getFileName()));
                }
            }
        } catch (IOException e) {
            throw new StartupException("Cannot read the built-in tasks: " + e.getMessage(), e);
        } catch (TaskFileException e) {
            throw e;
        } catch (Exception e) {
            throw new StartupException("Cannot list the built-in tasks: " + e.getMessage(), e);
        }
        if (Files.isDirectory(diskDir)) {
            try (Stream<Path> files = Files.list(diskDir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                        .sorted().toList()) {
                    try (InputStream in = Files.newInputStream(f)) {
                        add(onDisk, TaskLoader.load(in, f.toString()));
                    }
                }
            } catch (IOException e) {
                throw new StartupException("Cannot read tasks in " + diskDir + ": " + e.getMessage(), e);
            }
        }
        onDisk.forEach((name, t) -> LOG.debug("Task {} from {}", name, t.file()));
        builtIn.putAll(onDisk);
        LOG.info("Tasks: {}", String.join(", ", builtIn.keySet()));
        return new TaskRegistry(builtIn.values());
    }

    private static void add(Map<String, TaskDefinition> tasks, TaskDefinition t) {
        TaskDefinition previous = tasks.putIfAbsent(t.name(), t);
        if (previous != null) {
            throw new TaskFileException(t.file() + ": task " + t.name() + " is also defined in " + previous.file());
        }
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
