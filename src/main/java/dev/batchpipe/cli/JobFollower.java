package dev.batchpipe.cli;

import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.store.JobReports;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import sun.misc.Signal;

/**
 * Follows a job until every request reached a final state, showing progress and the provider's batch state
 * (validating, in_progress, finalizing): a bar on a terminal, a line every 5 s otherwise. Used by
 * {@code process --wait} and {@code wait}, whose own routes keep the job moving meanwhile.
 */
final class JobFollower {

    private JobFollower() {
    }

    /** The finished job; null when the user pressed Ctrl-C. */
    static JobReports.JobSummary follow(JobReports reports, long jobId, PrintWriter err) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        Signal.handle(new Signal("INT"), s -> stop.set(true));
        Signal.handle(new Signal("TERM"), s -> stop.set(true));
        boolean terminal = System.console() != null;
        JobReports.JobSummary j = reports.job(jobId).orElseThrow();
        Instant started = Instant.now();
        Instant lastLine = Instant.EPOCH;
        try (ProgressBar bar = terminal ? new ProgressBarBuilder().setTaskName("job " + jobId).setInitialMax(j.requests())
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(500).build() : null) {
            while (!stop.get()) {
                j = reports.job(jobId).orElseThrow();
                List<String> states = reports.providerStates(jobId);
                String extra = String.format("%d failed, %d batches%s, %,d tokens, $%.4f", j.dead(), j.batches(),
                        states.isEmpty() ? "" : " (" + String.join(", ", states) + ")",
                        j.inputTokens() + j.outputTokens(), j.costUsd());
                if (bar != null) {
                    bar.stepTo(j.succeeded() + j.dead());
                    bar.setExtraMessage(" " + extra);
                } else if (j.finished() || Duration.between(lastLine, Instant.now()).toSeconds() >= 5) {
                    err.printf("job %d: %d/%d requests done, %s (%s)%n", jobId, j.succeeded() + j.dead(), j.requests(),
                            extra, JobPrinter.since(started));
                    err.flush();
                    lastLine = Instant.now();
                }
                if (j.finished()) {
                    return j;
                }
                Thread.sleep(500);
            }
        }
        return null;
    }

    /** What to tell a user who leaves a job behind, given the services alive on the database. */
    static String whoCarriesOn(long jobId, List<JobReports.LiveInstance> instances) {
        return instances.isEmpty()
                ? "No `batchpipe run` service is running on this database, so job " + jobId + " does not move until one "
                        + "does: start `batchpipe run`, or follow it here with `batchpipe wait " + jobId + "`."
                : "A `batchpipe run` service carries it on; follow it with `batchpipe status " + jobId + "`.";
    }

    /** The exit code of a finished job, printed in full. */
    static int report(PrintWriter out, JobReports reports, PriceTable prices, JobReports.JobSummary done) {
        out.println();
        JobPrinter.detail(out, reports, prices, done);
        if (done.dead() > 0) {
            return ExitCodes.DEAD_LETTERED;
        }
        return done.linesRejected() > 0 ? ExitCodes.SOME_LINES_REJECTED : ExitCodes.OK;
    }
}
