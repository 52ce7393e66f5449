package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.store.JobReports;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "wait", mixinStandardHelpOptions = true,
        description = {"Follows a job until every request reached a final state, like `process --wait`, and prints its "
                + "summary. Packs, submits and polls the job's batches meanwhile, so it finishes whether or not a "
                + "`batchpipe run` service is up."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every item succeeded",
                "1:some items were dead-lettered",
                "2:usage or start-up error (no such job, database unreachable)",
                "4:some lines were rejected; every accepted item succeeded",
                "130:stopped waiting (Ctrl-C)"})
public final class WaitCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "JOB", description = "a job id")
    long job;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (ReadOnlyDatabase db = ReadOnlyDatabase.open()) {
            if (!db.hasSchema() || new JobReports(db.connection()).job(job).isEmpty()) {
                spec.commandLine().getErr().println("batchpipe: no job " + job);
                return ExitCodes.STARTUP;
            }
        }
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, Map.of())) {
            service.start();
            service.template().sendBody("direct:pack", null);
            JobReports reports = service.bean("jobReports", JobReports.class);
            JobReports.JobSummary done = JobFollower.follow(reports, job, spec.commandLine().getErr());
            if (done == null) {
                out.printf("Stopped waiting for job %d. %s%n", job, JobFollower.whoCarriesOn(job, reports.liveInstances()));
                return ExitCodes.INTERRUPTED;
            }
            return JobFollower.report(out, reports, service.bean("priceTable", PriceTable.class), done);
        } finally {
            out.flush();
        }
    }
}
