package dev.batchpipe.intake;

import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.VetoCamelContextStartException;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.support.LifecycleStrategySupport;

/**
 * One route per task whose source table is picked up automatically, from the {@code db-source-rows} template
 * (routes/intake-db.camel.yaml): the tasks come from task files, so the routes cannot be listed in YAML. Added while
 * the context initialises, after camel-main loaded the template and before the routes are built.
 */
public final class DbSourceRoutes extends LifecycleStrategySupport {

    /** batchpipe.db-source.auto-pickup=false leaves new rows for extraction runs, whatever the task files say. */
    @Override
    public void onContextInitializing(CamelContext context) throws VetoCamelContextStartException {
        if (!Boolean.parseBoolean(context.resolvePropertyPlaceholders("{{batchpipe.db-source.auto-pickup}}"))) {
            return;
        }
        TaskRegistry tasks = context.getRegistry().lookupByNameAndType("tasks", TaskRegistry.class);
        ClaimPolls polls = context.getRegistry().lookupByNameAndType("claimPolls", ClaimPolls.class);
        for (TaskDefinition task : tasks.all()) {
            if (task.source() != null && task.source().auto()) {
                TemplatedRouteBuilder.builder(context, "db-source-rows")
                        .routeId("db-rows-" + task.name())
                        .parameter("task", task.name())
                        .parameter("table", task.source().table())
                        .parameter("key", task.keyField())
                        .bean("claims", polls.scheduler())
                        .add();
            }
        }
    }
}
