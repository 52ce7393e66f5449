package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.pipeline.DeadLetters;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Sends dead-lettered requests again, with fresh attempts: by id, or every one of a task or a job, "
                + "or all. Their jobs are open again until they finish.",
                "Fix the cause first (a prompt, a schema, a quota): a replayed request fails the same way otherwise."})
public final class ReplayCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Parameters(paramLabel = "ID", description = "dead letter ids (from `batchpipe dead-letters`)")
        List<Long> ids;

        @Option(names = "--task", description = "every dead letter of this task")
        String task;

        @Option(names = "--job", description = "every dead letter of this job")
        Long job;

        @Option(names = "--all", description = "every dead letter")
        boolean all;
    }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (which.task != null) {
            TaskNames.require(which.task);
        }
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, Map.of())) {
            service.start();
            int n = service.bean("deadLetters", DeadLetters.class)
                    .replay(new DeadLetters.Selection(which.task, which.job, which.ids));
            if (n > 0) {
                service.template().sendBody("direct:pack", null);
            }
            out.printf("%d request(s) sent again.%s%n", n, n > 0 ? " Follow them with: batchpipe status" : "");
            return ExitCodes.OK;
        } finally {
            out.flush();
        }
    }
}
