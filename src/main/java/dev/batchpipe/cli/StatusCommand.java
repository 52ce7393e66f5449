package dev.batchpipe.cli;

import dev.batchpipe.store.JobReports;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows recent jobs (20 unless --limit), or one job with its batches, progress, cost, the rows it "
                + "wrote and its problems.",
                "Reads the database directly (no routes start), and says when no `batchpipe run` service polls it."})
public final class StatusCommand extends ReadOnlyCommand {

    @Parameters(arity = "0..1", paramLabel = "JOB", description = "a job id")
    Long job;

    @Mixin
    LimitOption limit;

    @Override
    void check() {
        limit.check();
    }

    @Override
    int read(ReadOnlyDatabase db, PrintWriter out) {
        if (!db.hasSchema()) {
            if (job != null) {
                return refuse("no job " + job);
            }
            JobPrinter.table(out, List.of());
            return ExitCodes.OK;
        }
        JobReports reports = new JobReports(db.connection());
        if (job == null) {
            JobPrinter.table(out, reports.recentJobs(limit.orElse(20)));
        } else {
            var summary = reports.job(job);
            if (summary.isEmpty()) {
                return refuse("no job " + job);
            }
            JobPrinter.detail(out, reports, db.prices(), summary.get());
        }
        JobPrinter.quotas(out, reports.quotas());
        JobPrinter.polling(out, reports.liveInstances());
        return ExitCodes.OK;
    }
}
