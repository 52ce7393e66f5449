package dev.batchpipe.cli;

import dev.batchpipe.store.JobReports;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows recent jobs, or one job with its batches, progress, cost, the rows it wrote and its problems.",
                "Reads the database directly (no routes start), and says when no `batchpipe run` service polls it."})
public final class StatusCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "JOB", description = "a job id")
    Long job;

    @Option(names = "--limit", defaultValue = "20", description = "how many recent jobs to list, at least 1 "
            + "(default ${DEFAULT-VALUE})")
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
        try (ReadOnlyDatabase db = ReadOnlyDatabase.open()) {
            if (!db.hasSchema()) {
                if (job != null) {
                    spec.commandLine().getErr().println("batchpipe: no job " + job);
                    return ExitCodes.STARTUP;
                }
                JobPrinter.table(out, java.util.List.of());
                return ExitCodes.OK;
            }
            JobReports reports = new JobReports(db.connection());
            if (job == null) {
                JobPrinter.table(out, reports.recentJobs(limit));
            } else {
                var summary = reports.job(job);
                if (summary.isEmpty()) {
                    spec.commandLine().getErr().println("batchpipe: no job " + job);
                    return ExitCodes.STARTUP;
                }
                JobPrinter.detail(out, reports, summary.get());
            }
            JobPrinter.quotas(out, reports.quotas());
            JobPrinter.polling(out, reports.liveInstances());
            return ExitCodes.OK;
        } finally {
            out.flush();
        }
    }
}
