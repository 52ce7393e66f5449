package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.StartupException;
import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.IntakeResult;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.store.JobReports;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

@Command(name = "process", mixinStandardHelpOptions = true,
        description = {"Takes FILE (JSON Lines, a JSON array, or CSV with a header) in as a job of TASK, packs and submits "
                + "its batches at once, and with --wait follows it until every request reached a final state.",
                "Works whether or not a `batchpipe run` service is up on the same data dir."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:every item succeeded (without --wait: submitted)",
                "1:some items were dead-lettered (see `batchpipe status JOB`)",
                "2:usage or start-up error (unknown task, unreadable file, database unreachable, a provider without a key "
                        + "that the sandbox may not answer)",
                "3:the file was rejected: no usable record in it",
                "4:some lines were rejected (reported in the errors file); every accepted item succeeded",
                "130:stopped waiting (Ctrl-C); the job carries on"})
public final class ProcessCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "the input file")
    Path file;

    @Option(names = "--task", required = true, description = "the task, e.g. news-classification")
    String task;

    @Option(names = "--wait", description = "follow the job until it is finished and print a summary")
    boolean wait;

    @Option(names = "--provider", description = "use this provider instead of the task's: openai, anthropic, gemini, "
            + "azure, or openai-compatible when configured (its default model unless --model is given)")
    String provider;

    @Option(names = "--model", description = "use this model instead of the task's")
    String model;

    @Option(names = "--priority", defaultValue = "5", description = "1-10, higher goes first (default ${DEFAULT-VALUE})")
    int priority;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            err.println("batchpipe: cannot read " + file + (Files.exists(file) ? " (not a readable file)" : " (no such file)"));
            return ExitCodes.STARTUP;
        }
        if (priority < 1 || priority > 10) {
            err.println("batchpipe: --priority must be between 1 and 10");
            return ExitCodes.STARTUP;
        }
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, Map.of())) {
            service.start();
            TaskDefinition definition = service.bean("tasks", TaskRegistry.class).get(task);
            Providers providers = service.bean("providers", Providers.class);
            if (provider != null) {
                providers.get(provider);
            }
            // a provider without a key that the sandbox may not answer: refuse now rather than take in work that waits
            definition.requests().stream().map(r -> provider != null ? provider : r.provider())
                    .map(providers.holds()::get).filter(Objects::nonNull).findFirst()
                    .ifPresent(reason -> { throw new StartupException(reason); });
            JobOptions options = new JobOptions(task, "file", null, null, priority, "asap").withOverrides(provider, model);
            IntakeResult intake = service.bean("fileIntake", FileIntake.class).accept(file, options);
            printIntake(out, intake);
            if (intake.rejected()) {
                return ExitCodes.REJECTED;
            }
            service.template().sendBody("direct:pack", null);
            if (!wait) {
                out.printf("Submitted. Follow it with: batchpipe status %d%n", intake.jobId());
                return intake.linesRejected() > 0 ? ExitCodes.SOME_LINES_REJECTED : ExitCodes.OK;
            }
            JobReports reports = service.bean("jobReports", JobReports.class);
            JobReports.JobSummary done = follow(reports, intake.jobId(), err);
            if (done == null) {
                out.printf("Stopped waiting; job %d carries on (batchpipe status %d).%n", intake.jobId(), intake.jobId());
                return ExitCodes.INTERRUPTED;
            }
            out.println();
            JobPrinter.detail(out, reports, done);
            if (done.dead() > 0) {
                return ExitCodes.DEAD_LETTERED;
            }
            return done.linesRejected() > 0 ? ExitCodes.SOME_LINES_REJECTED : ExitCodes.OK;
        } finally {
            out.flush();
        }
    }

    private void printIntake(PrintWriter out, IntakeResult r) {
        if (r.alreadyTakenIn()) {
            out.printf("%s was already taken in as job %d (%s); nothing new was added.%n", file, r.jobId(), r.status());
        } else if (r.rejected()) {
            out.printf("%s was rejected (job %d): %s%n", file, r.jobId(), r.error());
        } else {
            out.printf("Job %d: %d new item(s) taken in from %s, %d already known, %d line(s) rejected.%n", r.jobId(),
                    r.itemsAccepted(), file, r.itemsDuplicate(), r.linesRejected());
        }
        if (r.errorsFile() != null) {
            out.printf("Rejected lines (file, line, reason): %s%n", r.errorsFile());
        }
        out.flush();
    }

    /** Shows progress until the job is finished; null when the user pressed Ctrl-C. */
    private JobReports.JobSummary follow(JobReports reports, long jobId, PrintWriter err) throws InterruptedException {
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
                String extra = String.format("%d failed, %d batches, %,d tokens, $%.4f", j.dead(), j.batches(),
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
}
