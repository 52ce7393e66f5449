package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.pipeline.DeadLetters;
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

    @Option(names = "--limit", defaultValue = "100", description = "at most this many (default ${DEFAULT-VALUE})")
    int limit;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, BatchpipeService.NO_ROUTES)) {
            service.start();
            List<DeadLetters.Entry> entries = service.bean("deadLetters", DeadLetters.class)
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
