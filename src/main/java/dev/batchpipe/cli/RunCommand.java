package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.intake.DbIntake;
import dev.batchpipe.intake.JobOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Starts the batchpipe service: watches the inbox and the database, packs and submits batches "
                + "on a timer, polls them and writes the results, and serves HTTP (health at /observe/health). "
                + "Stops gracefully on Ctrl-C or SIGTERM.",
                "With --task, requests an extraction run of that task over its source table instead (the same as "
                        + "inserting a row into extraction_runs); a running service picks it up."})
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--task", description = "request an extraction run of this task (e.g. knowledge-extraction)")
    String task;

    @Option(names = "--limit", description = "with --task: at most this many rows, newest first")
    Integer limit;

    @Option(names = "--since", description = "with --task: rows changed since this date or time (2026-11-01 or "
            + "2026-11-01T08:00:00Z)")
    String since;

    @Option(names = "--ids", split = ",", description = "with --task: only these ids (comma-separated)")
    List<String> ids;

    @Option(names = "--priority", defaultValue = "5", description = "with --task: 1-10, higher goes first when quota "
            + "is short (default ${DEFAULT-VALUE})")
    int priority;

    @Option(names = "--mode", description = "with --task: batch, realtime or auto for the run's job (default: the "
            + "task's mode); see `batchpipe process --help`")
    String mode;

    @Option(names = "--deadline", paramLabel = "DURATION", description = "with --task: the run is wanted within "
            + "DURATION (2h, 90m): with mode auto, it goes realtime when a batch is expected to take longer")
    String deadline;

    @Option(names = "--no-cache", description = "with --task: ask the provider for every row, even those the row cache "
            + "could answer (see `batchpipe process --help`)")
    boolean noCache;

    @Option(names = "--now", description = "with --task: submit at the next pack tick instead of in the overnight window")
    boolean now;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (task == null) {
            if (limit != null || since != null || ids != null || now || mode != null || deadline != null || noCache) {
                spec.commandLine().getErr().println("batchpipe: --limit, --since, --ids, --mode, --deadline, --no-cache "
                        + "and --now go with --task");
                return ExitCodes.STARTUP;
            }
            BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.SERVICE, Map.of());
            service.onStarted(ReadyLine::log);
            return service.runUntilStopped();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (priority < 1 || priority > 10 || (limit != null && limit < 1)) {
            spec.commandLine().getErr().println("batchpipe: --priority must be 1-10 and --limit positive");
            return ExitCodes.STARTUP;
        }
        if (mode != null && !JobOptions.MODES.contains(mode)) {
            spec.commandLine().getErr().println("batchpipe: --mode must be batch, realtime or auto");
            return ExitCodes.STARTUP;
        }
        Duration within;
        try {
            within = JobOptions.parseDeadline(deadline);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("batchpipe: --" + e.getMessage());
            return ExitCodes.STARTUP;
        }
        OffsetDateTime from;
        try {
            from = since == null ? null : parseSince(since);
        } catch (DateTimeParseException e) {
            spec.commandLine().getErr().println("batchpipe: --since '" + since + "' is not a date (2026-11-01) or time "
                    + "(2026-11-01T08:00:00Z)");
            return ExitCodes.STARTUP;
        }
        TaskNames.require(task);
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, BatchpipeService.NO_ROUTES)) {
            service.start();
            long id = service.bean("dbIntake", DbIntake.class).requestRun(task, from, ids, limit, priority,
                    now ? "asap" : "overnight", mode, within, !noCache, System.getProperty("user.name", "cli"));
            out.printf("Extraction run %d of %s requested (%s). A running `batchpipe run` service takes it up; follow it "
                    + "in the extraction_runs table or with `batchpipe status`.%n", id, task,
                    now ? "submitted at the next pack tick" : "submitted in the overnight window");
            return ExitCodes.OK;
        } finally {
            out.flush();
        }
    }

    static OffsetDateTime parseSince(String text) {
        if (text.length() == 10) {
            return LocalDate.parse(text).atStartOfDay(ZoneId.systemDefault()).toOffsetDateTime();
        }
        return OffsetDateTime.parse(text);
    }
}
