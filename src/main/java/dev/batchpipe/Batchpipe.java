package dev.batchpipe;

import dev.batchpipe.cli.BatchesCommand;
import dev.batchpipe.cli.CancelCommand;
import dev.batchpipe.cli.AlertsCommand;
import dev.batchpipe.cli.DbCommand;
import dev.batchpipe.cli.DeadLettersCommand;
import dev.batchpipe.cli.ExitCodes;
import dev.batchpipe.cli.EstimateCommand;
import dev.batchpipe.cli.ProcessCommand;
import dev.batchpipe.cli.PurgeSyntheticCommand;
import dev.batchpipe.cli.ReportCommand;
import dev.batchpipe.cli.ResultsCommand;
import dev.batchpipe.cli.ReplayCommand;
import dev.batchpipe.cli.RunCommand;
import dev.batchpipe.cli.SandboxCommand;
import dev.batchpipe.cli.StatusCommand;
import dev.batchpipe.cli.TasksCommand;
import dev.batchpipe.cli.WaitCommand;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The batchpipe command line. {@code run} starts the service; the other commands do one job and exit.
 * Every command that touches the pipeline boots the same Camel routes (see {@link BatchpipeService}).
 */
@Command(name = "batchpipe", mixinStandardHelpOptions = true, versionProvider = Batchpipe.Version.class,
        description = "Turns large volumes of text into PostgreSQL rows through the LLM providers' batch APIs.",
        subcommands = {RunCommand.class, ProcessCommand.class, WaitCommand.class, StatusCommand.class,
                DeadLettersCommand.class, ReplayCommand.class, PurgeSyntheticCommand.class, DbCommand.class,
                SandboxCommand.class, ResultsCommand.class, CancelCommand.class, BatchesCommand.class,
                EstimateCommand.class, ReportCommand.class, TasksCommand.class, AlertsCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success",
                "1:some items were dead-lettered (process)",
                "2:usage, configuration or start-up error",
                "3:the input file was rejected (process)",
                "4:some input lines were rejected, the rest succeeded (process)",
                "130:stopped waiting (process --wait, wait)"})
public final class Batchpipe implements Runnable {

    private static final java.util.Set<String> READ_ONLY = java.util.Set.of("status", "dead-letters", "db", "alerts", "batches",
            "report", "tasks", "results");
    private static final String LOGGER_FACTORY = "log4j2.loggerContextFactory";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // one-shot commands print their own output; their logs go to the log file and only warnings to the console
        // (`run --task T` only requests a run: it is one-shot too)
        boolean service = args.length > 0 && ((args[0].equals("run") && !Arrays.asList(args).contains("--task"))
                || args[0].equals("sandbox"));
        if (!service && System.getProperty("batchpipe.console.level") == null) {
            System.setProperty("batchpipe.console.level", "WARN");
        }
        // commands that only read the database answer at once: log4j's simple logger (warnings to stderr) spares them
        // the second the full configuration takes to load
        if (args.length > 0 && READ_ONLY.contains(args[0]) && System.getProperty(LOGGER_FACTORY) == null) {
            System.setProperty(LOGGER_FACTORY, "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
            System.setProperty("org.apache.logging.log4j.simplelog.level", "WARN");
        }
        int code;
        try {
            code = execute(args);
        } catch (Throwable t) {
            // an Error escaping a command must not leave the JVM running on its non-daemon threads
            t.printStackTrace();
            code = ExitCodes.STARTUP;
        }
        System.exit(code);
    }

    /** Runs a command line and returns its exit code; used by {@link #main} and by tests that run the CLI in-process. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Batchpipe());
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            StartupException startup = StartupException.find(ex);
            if (startup != null) {
                commandLine.getErr().println("batchpipe: " + startup.getMessage());
                return ExitCodes.STARTUP;
            }
            throw ex;
        });
        cli.setExitCodeExceptionMapper(ex -> ExitCodes.STARTUP);
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version Maven wrote into batchpipe/version.properties at build time. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties build = new Properties();
            try (InputStream in = Batchpipe.class.getResourceAsStream("/batchpipe/version.properties")) {
                if (in != null) {
                    build.load(in);
                }
            }
            return new String[] {"batchpipe " + build.getProperty("version", "(version unknown: not built by Maven)")};
        }
    }
}
