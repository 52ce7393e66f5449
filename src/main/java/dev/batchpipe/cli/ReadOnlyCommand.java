package dev.batchpipe.cli;

import dev.batchpipe.api.ApiProblem;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that only reads the database: it checks its arguments ({@link #check}), opens {@link ReadOnlyDatabase} (no
 * Camel context starts), prints what {@link #read} gives, reports a refused argument ({@link ApiProblem}: an unknown job, state or format) as one line,
 * and flushes its output however it ends.
 */
abstract class ReadOnlyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try {
            check();
            try (ReadOnlyDatabase db = ReadOnlyDatabase.open()) {
                return read(db, out);
            }
        } catch (ApiProblem e) {
            return refuse(e.getMessage());
        } finally {
            out.flush();
        }
    }

    /** Refuses a wrong argument (StartupException, ApiProblem) before any database is opened. */
    void check() {
    }

    /** Reads and prints; returns the exit code. */
    abstract int read(ReadOnlyDatabase db, PrintWriter out) throws Exception;

    /** One line on stderr, and the exit code of a refused command line. */
    final int refuse(String message) {
        spec.commandLine().getErr().println("batchpipe: " + message);
        return ExitCodes.STARTUP;
    }
}
