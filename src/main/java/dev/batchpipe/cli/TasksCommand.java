package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.api.TaskCatalog;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

@Command(name = "tasks", mixinStandardHelpOptions = true,
        description = "Lists the tasks (built in, and in $BATCHPIPE_TASKS_DIR): provider and model, version, requests "
                + "and output tables. GET /api/tasks/{name} shows one with its prompts and schemas.")
public final class TasksCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, BatchpipeService.NO_ROUTES)) {
            service.start();
            out.printf("%-22s %-10s %-20s %-12s %-28s %s%n", "TASK", "PROVIDER", "MODEL", "VERSION", "REQUESTS",
                    "TABLES");
            for (TaskCatalog.TaskSummary t : service.bean("taskCatalog", TaskCatalog.class).list().items()) {
                out.printf("%-22s %-10s %-20s %-12s %-28s %s%n", t.name(), t.provider(), t.model(), t.version(),
                        String.join(",", t.requests()), String.join(",", t.outputTables()));
            }
            return ExitCodes.OK;
        } finally {
            out.flush();
        }
    }
}
