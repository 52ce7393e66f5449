package dev.batchpipe.cli;

import dev.batchpipe.pipeline.DeadLetters;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "dead-letters", mixinStandardHelpOptions = true,
        description = "Lists the requests that were given up on, with the reason, 100 unless --limit (replay them with "
                + "`batchpipe replay`).")
public final class DeadLettersCommand extends ReadOnlyCommand {

    @Option(names = "--task", description = "only this task")
    String task;

    @Option(names = "--job", description = "only this job")
    Long job;

    @Mixin
    LimitOption limit;

    @Override
    void check() {
        limit.check();
        if (task != null) {
            TaskNames.require(task);
        }
    }

    @Override
    int read(ReadOnlyDatabase db, PrintWriter out) {
        List<DeadLetters.Entry> entries = !db.hasSchema() ? List.of()
                : db.deadLetters().list(new DeadLetters.Selection(task, job, null), limit.orElse(100));
        if (entries.isEmpty()) {
            out.println("No dead letters.");
            return ExitCodes.OK;
        }
        out.printf("%6s  %6s  %-22s  %-20s  %6s  %s%n", "ID", "JOB", "TASK", "ITEM", "LINE", "REASON");
        for (DeadLetters.Entry e : entries) {
            out.printf("%6d  %6d  %-22s  %-20s  %6d  %s%n", e.id(), e.jobId(), e.task(), e.item(), e.line(), e.reason());
        }
        return ExitCodes.OK;
    }
}
