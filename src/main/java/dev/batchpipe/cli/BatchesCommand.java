package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.api.ApiProblem;
import dev.batchpipe.api.ApiReads;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "batches", mixinStandardHelpOptions = true,
        description = "Lists provider batches, newest first: state, provider and model, requests, done and failed, the "
                + "jobs they carry. The same list as GET /api/batches.")
public final class BatchesCommand implements Callable<Integer> {

    @Option(names = "--job", description = "only batches with requests of this job")
    Long job;

    @Option(names = "--state", description = "only batches in this state (packed, uploaded, creating, submitted, "
            + "finished, ingested, abandoned)")
    String state;

    @Option(names = "--provider", description = "only batches of this provider")
    String provider;

    @Option(names = "--limit", defaultValue = "50", description = "how many (default ${DEFAULT-VALUE}, at most 500)")
    int limit;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, BatchpipeService.NO_ROUTES)) {
            service.start();
            ApiReads.BatchPage page = service.bean("apiReads", ApiReads.class).batches(state, provider,
                    job == null ? null : job.toString(), Integer.toString(limit), null);
            out.printf("%-6s %-10s %-18s %-22s %8s %6s %6s  %s%n", "BATCH", "STATE", "PROVIDER", "MODEL", "REQUESTS",
                    "DONE", "FAILED", "JOBS");
            for (ApiReads.Batch b : page.items()) {
                out.printf("%-6d %-10s %-18s %-22s %8d %6d %6d  %s%s%n", b.id(), b.state(), b.provider(), b.model(),
                        b.requests(), b.completed(), b.failed(), b.jobs(),
                        b.cancelRequestedAt() != null ? "  (cancel requested)" : "");
            }
            if (page.items().isEmpty()) {
                out.println("(no batches)");
            }
            return ExitCodes.OK;
        } catch (ApiProblem e) {
            spec.commandLine().getErr().println("batchpipe: " + e.getMessage());
            return ExitCodes.STARTUP;
        } finally {
            out.flush();
        }
    }
}
