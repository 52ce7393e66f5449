package dev.batchpipe.pipeline;

import dev.batchpipe.Config;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.VetoCamelContextStartException;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.support.LifecycleStrategySupport;

/**
 * One route per task from the {@code overnight-window} template (routes/schedules.camel.yaml): the tasks come from
 * task files, so the routes cannot be listed in YAML. They are added while the context initialises: after camel-main
 * has loaded the YAML (and so the template), before the routes are built and started.
 */
public final class OvernightWindows extends LifecycleStrategySupport {

    @Override
    public void onContextInitializing(CamelContext context) throws VetoCamelContextStartException {
        Config config = new Config(context);
        String defaultCron = config.required("batchpipe.overnight.cron");
        TaskRegistry tasks = context.getRegistry().lookupByNameAndType("tasks", TaskRegistry.class);
        for (TaskDefinition task : tasks.all()) {
            TemplatedRouteBuilder.builder(context, "overnight-window")
                    .routeId("overnight-" + task.name())
                    .parameter("task", task.name())
                    .parameter("cron", config.optional("batchpipe.overnight.cron." + task.name()).orElse(defaultCron))
                    .add();
        }
    }
}
