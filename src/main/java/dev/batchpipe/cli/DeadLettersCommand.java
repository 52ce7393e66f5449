package dev.batchpipe.cli;

import dev.batchpipe.pipeline.DeadLetters;
import dev.batchpipe.pipeline.JobCompletion;
import dev.batchpipe.task.TaskRegistry;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "dead-letters", mixinStandardHelpOptions = true,
        description = "Lists the requests that were given up on, with the reason (replay them with `batchpipe replay`).")
public final class DeadLettersCommand implements Callable<Integer> {

    @Option(names = "--task", description = "only this task")
    String task;

    @Option(names = "--job", description = "only this job")
    Long job;

    @Option(names = "--limit", defaultValue = "100", description = "at most this many, at least 1 (default ${DEFAULT-VALUE})")
    int limit;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (limit < 1) {
            spec.commandLine().getErr().println("batchpipe: --limit must be at least 1");
            return ExitCodes.STARTUP;
        }
        if (task != null) {
            TaskNames.require(task);
        }
        try (ReadOnlyDatabase db = ReadOnlyDatabase.open()) {
            // listing needs no task definitions (only replay's job completion does, for source tables)
            List<DeadLetters.Entry> entries = !db.hasSchema() ? List.of()
                    : new DeadLetters(db.jdbi(), new JobCompletion(new TaskRegistry(List.of())))
                            .list(new DeadLetters.Selection(task, job, null), limit);
            if (entries.isEmpty()) {
                out.println("No dead letters.");
                return ExitCodes.OK;
            }
            out.printf("%6s  %6s  %-22s  %-20s  %6s  %s%n", "ID", "JOB", "TASK", "ITEM", "LINE", "REASON");
            for (DeadLetters.Entry e : entries) {
                out.printf("%6d  %6d  %-22s  %-20s  %6d  %s%n", e.id(), e.jobId(), e.task(), e.item(), e.line(), e.reason());
            }
            return ExitCodes.OK;
        } finally {
            out.flush();
        }
    }
}
