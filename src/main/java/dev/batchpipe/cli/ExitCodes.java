package dev.batchpipe.cli;

/** Process exit codes, documented in {@code batchpipe --help} and the README. */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int DEAD_LETTERED = 1;
    public static final int STARTUP = 2;
    public static final int REJECTED = 3;
    public static final int SOME_LINES_REJECTED = 4;
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }
}
