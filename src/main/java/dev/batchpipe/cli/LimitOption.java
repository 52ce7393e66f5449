package dev.batchpipe.cli;

import dev.batchpipe.StartupException;
import picocli.CommandLine.Option;

/** The {@code --limit} of the listing commands, each with its own default, refused below 1 before anything is read. */
final class LimitOption {

    @Option(names = "--limit", paramLabel = "N", description = "list at most N, at least 1")
    Integer limit;

    /** Called from the command's check, before anything is read. */
    void check() {
        if (limit != null && limit < 1) {
            throw new StartupException("--limit must be at least 1");
        }
    }

    int orElse(int fallback) {
        return limit == null ? fallback : limit;
    }
}
