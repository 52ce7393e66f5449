package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.pipeline.SyntheticPurge;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "purge-synthetic", mixinStandardHelpOptions = true,
        description = {"Deletes what the built-in sandbox answered: the task-table rows and results written from "
                + "synthetic batches. Their requests go back to pending and their jobs reopen, so a provider with a key "
                + "answers them; prints the rows deleted per table. One transaction.",
                "Set the provider's API key first: a request the sandbox may still answer is answered by it again."})
public final class PurgeSyntheticCommand implements Callable<Integer> {

    @Option(names = "--task", description = "only this task's answers")
    String task;

    @Option(names = "--dry-run", description = "print what would be deleted, and change nothing")
    boolean dryRun;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, Map.of())) {
            service.start();
            SyntheticPurge.Outcome outcome = service.bean("syntheticPurge", SyntheticPurge.class).purge(task, dryRun);
            for (SyntheticPurge.Deleted d : outcome.deleted()) {
                out.printf("%-24s %8d row(s) %s%n", d.table(), d.rows(), dryRun ? "would be deleted" : "deleted");
            }
            if (dryRun) {
                out.printf("Dry run: %d request(s) in %d job(s) would go back to pending; nothing was changed.%n",
                        outcome.requests(), outcome.jobs());
                return ExitCodes.OK;
            }
            if (outcome.requests() > 0) {
                service.template().sendBody("direct:pack", null);
            }
            out.printf("%d request(s) back to pending, %d job(s) reopened.%s%n", outcome.requests(), outcome.jobs(),
                    outcome.requests() > 0 ? " Follow them with: batchpipe status" : "");
            return ExitCodes.OK;
        } finally {
            out.flush();
        }
    }
}
