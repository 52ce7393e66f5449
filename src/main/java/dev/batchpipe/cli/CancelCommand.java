package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.pipeline.Cancellation;
import dev.batchpipe.store.JobReports;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "cancel", mixinStandardHelpOptions = true,
        description = {"Cancels a job, or one provider batch: the provider is asked to stop its batches, what they "
                + "finished is kept, and the requests left become cancelled (not dead; not sent again). The job ends "
                + "cancelled once its batches are ingested; this command follows it until then."})
public final class CancelCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Parameters(paramLabel = "JOB", description = "the job to cancel")
        Long job;

        @Option(names = "--batch", paramLabel = "ID", description = "cancel this batch (from `batchpipe batches`)")
        Long batch;
    }

    @Option(names = "--no-wait", description = "do not follow the job until its batches are ingested")
    boolean noWait;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, Map.of())) {
            service.start();
            Cancellation cancellation = service.bean("cancellation", Cancellation.class);
            Cancellation.Cancelled c;
            try {
                c = which.job != null ? cancellation.cancelJob(which.job) : cancellation.cancelBatch(which.batch);
            } catch (Cancellation.Refused e) {
                err.println("batchpipe: " + e.getMessage());
                return ExitCodes.STARTUP;
            }
            out.printf("%s cancelled: %d waiting request(s) cancelled, batch(es) being stopped at the provider: %s%s%n",
                    which.job != null ? "Job " + which.job : "Batch " + which.batch, c.requestsCancelled(),
                    c.batchesCancelling().isEmpty() ? "none" : c.batchesCancelling(),
                    c.batchesLeftRunning().isEmpty() ? "" : "; left to finish (shared with other jobs): "
                            + c.batchesLeftRunning());
            out.flush();
            if (which.job == null || noWait) {
                return ExitCodes.OK;
            }
            JobReports reports = service.bean("jobReports", JobReports.class);
            JobReports.JobSummary done = JobFollower.follow(reports, which.job, err);
            if (done == null) {
                out.printf("Stopped waiting for job %d. %s%n", which.job,
                        JobFollower.whoCarriesOn(which.job, reports.liveInstances()));
                return ExitCodes.INTERRUPTED;
            }
            out.printf("Job %d is %s: %d succeeded (kept), %d cancelled, %d dead.%n", done.id(), done.status(),
                    done.succeeded(), done.cancelled(), done.dead());
            return ExitCodes.OK;
        } finally {
            out.flush();
        }
    }
}
