package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.store.JobReports;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows recent jobs, or one job with its batches, progress, cost and problems.")
public final class StatusCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "JOB", description = "a job id")
    Long job;

    @Option(names = "--limit", defaultValue = "20", description = "how many recent jobs to list (default ${DEFAULT-VALUE})")
    int limit;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, BatchpipeService.NO_ROUTES)) {
            service.start();
            JobReports reports = service.bean("jobReports", JobReports.class);
            if (job == null) {
                JobPrinter.table(out, reports.recentJobs(limit));
                return ExitCodes.OK;
            }
            var summary = reports.job(job);
            if (summary.isEmpty()) {
                spec.commandLine().getErr().println("batchpipe: no job " + job);
                return ExitCodes.STARTUP;
            }
            JobPrinter.detail(out, reports, summary.get());
            return ExitCodes.OK;
        } finally {
            out.flush();
        }
    }
}
