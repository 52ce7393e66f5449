package dev.batchpipe.intake;

import dev.batchpipe.task.TaskDefinition;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.camel.spi.RouteTemplateParameterSource;

/**
 * The {@code db-source-rows} route template's parameters (routes/intake-db.camel.yaml), one set per task whose source
 * table is picked up automatically: the tasks come from task files, so the routes cannot be listed in YAML. Camel
 * creates route {@code db-rows-<task>} from each when the context starts.
 */
public final class DbSourceRoutes implements RouteTemplateParameterSource {

    private static final String PREFIX = "db-rows-";

    private final Map<String, TaskDefinition> tasks = new LinkedHashMap<>();

    /** {@code autoPickUp} false (batchpipe.db-source.auto-pickup) leaves new rows for extraction runs. */
    public DbSourceRoutes(Collection<TaskDefinition> definitions, boolean autoPickUp) {
        if (autoPickUp) {
            definitions.stream().filter(t -> t.source() != null && t.source().auto())
                    .forEach(t -> tasks.put(PREFIX + t.name(), t));
        }
    }

    @Override
    public Set<String> routeIds() {
        return tasks.keySet();
    }

    @Override
    public Map<String, Object> parameters(String routeId) {
        TaskDefinition task = tasks.get(routeId);
        return Map.of(TEMPLATE_ID, "db-source-rows", "task", task.name(), "table", task.source().table(),
                "key", task.keyField());
    }
}
