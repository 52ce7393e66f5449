package dev.batchpipe.cli;

import dev.batchpipe.provider.Providers;
import dev.batchpipe.store.Database;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one line {@code batchpipe run} logs once it serves: where its HTTP API listens (the address it is really bound
 * to), its database, its tasks and its providers: real, sandboxed, or held for want of a key. The details of the start-up are in the log file.
 */
final class ReadyLine {

    private static final Logger LOG = LoggerFactory.getLogger("dev.batchpipe.ready");

    private ReadyLine() {
    }

    static void log(CamelContext context) {
        LOG.info(text(context));
    }

    static String text(CamelContext context) {
        var properties = context.getPropertiesComponent();
        String http = "http://" + properties.resolveProperty("camel.server.host").orElse("127.0.0.1") + ":"
                + properties.resolveProperty("camel.server.port").orElse("8080");
        Database database = context.getRegistry().lookupByNameAndType("database", Database.class);
        TaskRegistry tasks = context.getRegistry().lookupByNameAndType("tasks", TaskRegistry.class);
        Providers providers = context.getRegistry().lookupByNameAndType("providers", Providers.class);
        String providerList = providers.names().stream()
                .map(p -> p + (providers.holds().containsKey(p) ? " (held: no key)"
                        : providers.sandboxed(p) ? " (sandbox: synthetic answers)" : ""))
                .collect(Collectors.joining(", "));
        return "batchpipe ready on " + http + " (API " + http + "/api/jobs, health " + http + "/observe/health); database: "
                + database.description() + "; tasks: "
                + tasks.all().stream().map(TaskDefinition::name).collect(Collectors.joining(", "))
                + "; providers: " + providerList;
    }
}
