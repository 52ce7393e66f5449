package dev.batchpipe;

/**
 * A problem the operator can fix (wrong database URL, port in use, unknown task): the CLI prints its message as
 * one line and exits non-zero instead of a stack trace. Messages must never contain secrets.
 */
public class StartupException extends RuntimeException {

    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first StartupException in a cause chain (Camel wraps exceptions thrown while it boots), or null. */
    public static StartupException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof StartupException s) {
                return s;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }
}
