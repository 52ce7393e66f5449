package dev.batchpipe.pipeline;

import dev.batchpipe.task.TaskDefinition;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.camel.spi.RouteTemplateParameterSource;

/**
 * The {@code overnight-window} route template's parameters, one set per task (the tasks come from task files, so the
 * routes cannot be listed in YAML): Camel creates route {@code overnight-<task>} from each when the context starts.
 * A task's cron is {@code batchpipe.overnight.cron.<task>} when set, else {@code defaultCron}.
 */
public final class OvernightWindows implements RouteTemplateParameterSource {

    private static final String PREFIX = "overnight-";

    private final Collection<TaskDefinition> tasks;
    private final String defaultCron;
    private final Function<String, Optional<String>> settings;

    public OvernightWindows(Collection<TaskDefinition> tasks, String defaultCron, Function<String, Optional<String>> settings) {
        this.tasks = tasks;
        this.defaultCron = defaultCron;
        this.settings = settings;
    }

    @Override
    public Set<String> routeIds() {
        Set<String> ids = new LinkedHashSet<>();
        for (TaskDefinition task : tasks) {
            ids.add(PREFIX + task.name());
        }
        return ids;
    }

    @Override
    public Map<String, Object> parameters(String routeId) {
        String task = routeId.substring(PREFIX.length());
        return Map.of(TEMPLATE_ID, "overnight-window", "task", task,
                "cron", settings.apply("batchpipe.overnight.cron." + task).orElse(defaultCron));
    }
}
