package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.cost.PriceTable;
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
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.camel.CamelContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

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
                "130:stopped waiting (Ctrl-C); the job carries on while a `batchpipe run` service (or `batchpipe wait JOB`) polls it"})
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

    @Option(names = "--force", description = "take FILE in as a new job even if it was taken in before: its items are "
            + "processed again (with --provider and --model) and their rows replaced")
    boolean force;

    @Option(names = "--fetch", description = "FILE lists URLs (one per line, # comments; or JSON {id, url} records): "
            + "each page is fetched and its title and text taken in as {id, title, contents}")
    boolean fetch;

    @Option(names = "--priority", defaultValue = "5", description = "1-10, higher goes first (default ${DEFAULT-VALUE})")
    int priority;

    @Option(names = "--mode", description = "batch (the providers' batch APIs, half price), realtime (their "
            + "synchronous endpoints, at the rate limits) or auto (realtime for a small job or when a batch could miss "
            + "--deadline, else batch; the reason shows in `batchpipe status JOB`); default: the task's mode")
    String mode;

    @Option(names = "--deadline", paramLabel = "DURATION", description = "the job is wanted within DURATION (2h, 90m, "
            + "1h30m): with mode auto, it goes realtime when a batch is expected to take longer")
    String deadline;

    @Option(names = "--no-cache", description = "ask the provider for every item, even those the row cache could answer "
            + "(an item answered before for the same task, prompt, schema and model); their new answers refresh the "
            + "cache")
    boolean noCache;

    @Option(names = "--allow-unpriced", description = "accept a --model batchpipe has no price for (its cost shows as 0)")
    boolean allowUnpriced;

    @Option(names = "--dry-run", description = "print the estimate (as `batchpipe estimate`) and send nothing")
    boolean dryRun;

    @Option(names = "--max-cost", paramLabel = "USD", description = "refuse, before any call, a job whose estimated cost "
            + "at the batch price is above USD (the estimate is printed)")
    java.math.BigDecimal maxCost;

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
        if (mode != null && !JobOptions.MODES.contains(mode)) {
            err.println("batchpipe: --mode must be batch, realtime or auto");
            return ExitCodes.STARTUP;
        }
        Duration within;
        try {
            within = JobOptions.parseDeadline(deadline);
        } catch (IllegalArgumentException e) {
            err.println("batchpipe: --" + e.getMessage());
            return ExitCodes.STARTUP;
        }
        TaskNames.require(task);
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, Map.of())) {
            service.beforeRoutesStart(this::refuseUnpriced);
            service.start();
            TaskDefinition definition = service.bean("tasks", TaskRegistry.class).get(task);
            Providers providers = service.bean("providers", Providers.class);
            if (provider != null) {
                providers.get(provider);
                // an embedding task moved to a provider without an embeddings API, refused as its task file would be
                definition.requests().stream().map(r -> providers.refusal(provider, r.endpoint()))
                        .flatMap(Optional::stream).findFirst()
                        .ifPresent(reason -> { throw new StartupException("task " + task + ": " + reason); });
            }
            // a provider without a key that the sandbox may not answer: refuse now rather than take in work that waits
            definition.requests().stream().map(r -> provider != null ? provider : r.provider())
                    .map(providers.holds()::get).filter(Objects::nonNull).findFirst()
                    .ifPresent(reason -> { throw new StartupException(reason); });
            if (dryRun || maxCost != null) {
                var estimate = EstimateCommand.estimate(service, file, task, provider, model);
                EstimatePrinter.print(out, estimate);
                if (dryRun) {
                    return ExitCodes.OK;
                }
                if (estimate.costUsd().compareTo(maxCost) > 0) {
                    err.printf("batchpipe: the estimated cost $%s is above --max-cost %s: nothing was taken in or sent%n",
                            estimate.costUsd().setScale(4, java.math.RoundingMode.HALF_UP), maxCost.toPlainString());
                    return ExitCodes.STARTUP;
                }
            }
            JobOptions options = new JobOptions(task, "file", null, null, priority, "asap").withOverrides(provider, model)
                    .withForce(force).withFetch(fetch).withMode(mode).withDeadline(within).withCache(!noCache);
            IntakeResult intake = service.bean("fileIntake", FileIntake.class).accept(file, options);
            printIntake(out, intake);
            if (intake.rejected()) {
                return ExitCodes.REJECTED;
            }
            if (intake.alreadyTakenIn() || intake.itemsAccepted() == 0) {
                return ExitCodes.OK;
            }
            service.template().sendBody("direct:pack", null);
            JobReports reports = service.bean("jobReports", JobReports.class);
            if (!wait) {
                out.printf("Submitted job %d. %s%n", intake.jobId(),
                        JobFollower.whoCarriesOn(intake.jobId(), reports.liveInstances()));
                return intake.linesRejected() > 0 ? ExitCodes.SOME_LINES_REJECTED : ExitCodes.OK;
            }
            JobReports.JobSummary done = JobFollower.follow(reports, intake.jobId(), err);
            if (done == null) {
                out.printf("Stopped waiting for job %d. %s%n", intake.jobId(),
                        JobFollower.whoCarriesOn(intake.jobId(), reports.liveInstances()));
                return ExitCodes.INTERRUPTED;
            }
            return JobFollower.report(out, reports, service.bean("priceTable", PriceTable.class), done);
        } finally {
            out.flush();
        }
    }

    /** Refuses a --model with no price before any route starts, unless --allow-unpriced: a typo would cost $0. */
    private void refuseUnpriced(CamelContext context) {
        if (model == null || allowUnpriced) {
            return;
        }
        TaskDefinition definition = context.getRegistry().lookupByNameAndType("tasks", TaskRegistry.class).get(task);
        PriceTable prices = context.getRegistry().lookupByNameAndType("priceTable", PriceTable.class);
        definition.requests().stream()
                .map(r -> provider != null ? provider : r.provider() != null ? r.provider() : definition.provider())
                .filter(p -> !prices.priced(p, model)).findFirst()
                .ifPresent(p -> {
                    throw new StartupException("no price for " + p + " model " + model + " (a typo?). Add batchpipe.price."
                            + p + "." + model + ".input and .output, or pass --allow-unpriced");
                });
    }

    private void printIntake(PrintWriter out, IntakeResult r) {
        if (r.alreadyTakenIn()) {
            out.printf("%s adds nothing: it was already taken in as job %d (%s). To process it again (another provider "
                    + "or model), run it with --force.%n", file, r.jobId(), r.status());
        } else if (r.rejected()) {
            out.printf("%s was rejected (job %d): %s%n", file, r.jobId(), r.error());
        } else {
            out.printf("Job %d: %d %s from %s, %d already known, %d line(s) rejected.%n", r.jobId(), r.itemsAccepted(),
                    force ? "item(s) taken in to process again" : "new item(s) taken in", file, r.itemsDuplicate(),
                    r.linesRejected());
            if (r.itemsAccepted() == 0) {
                out.printf("Nothing new to submit: every item is already known from earlier jobs. To process them again "
                        + "(another provider or model), run it with --force.%n");
            }
        }
        if (r.errorsFile() != null) {
            out.printf("Rejected lines (file, line, reason): %s%n", r.errorsFile());
        }
        out.flush();
    }
}
