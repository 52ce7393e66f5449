package dev.batchpipe.cli;

import dev.batchpipe.api.TaskCatalog;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

@Command(name = "tasks", mixinStandardHelpOptions = true,
        description = "Lists the tasks (built in, and in $BATCHPIPE_TASKS_DIR): provider and model, version, requests "
                + "and output tables. GET /api/tasks/{name} shows one with its prompts and schemas.")
public final class TasksCommand extends ReadOnlyCommand {

    @Override
    int read(ReadOnlyDatabase db, PrintWriter out) {
        out.printf("%-22s %-10s %-20s %-12s %-28s %s%n", "TASK", "PROVIDER", "MODEL", "VERSION", "REQUESTS", "TABLES");
        for (TaskCatalog.TaskSummary t : new TaskCatalog(db.tasks()).list().items()) {
            out.printf("%-22s %-10s %-20s %-12s %-28s %s%n", t.name(), t.provider(), t.model(), t.version(),
                    String.join(",", t.requests()), String.join(",", t.outputTables()));
        }
        return ExitCodes.OK;
    }
}
