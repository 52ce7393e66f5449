package dev.batchpipe.intake;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says, once per file and reason, why an inbox file stays where it is: it cannot be read (its permissions), or the
 * folder it moves to cannot be written, or the data disk is full. The inbox route leaves such a file in place and
 * meets it again on every sweep; this is what keeps that to one log line until the file goes through or its reason
 * changes.
 */
public final class InboxFaults {

    private static final Logger LOG = LoggerFactory.getLogger(InboxFaults.class);

    private final Map<String, String> reported = new ConcurrentHashMap<>();

    /** Logs why {@code relativePath} stays in the inbox, unless that was said last time for this file; true if it did. */
    public boolean report(String relativePath, Throwable failure) {
        String reason = reason(failure);
        boolean said = !reason.equals(reported.put(relativePath, reason));
        if (said) {
            LOG.warn("{} stays in the inbox, and is taken in once this is fixed: {}", relativePath, reason);
        }
        return said;
    }

    /** The file went through: the next fault it meets is said again. */
    public void cleared(String relativePath) {
        reported.remove(relativePath);
    }

    /** The file system's own words, with the file they are about; no stack trace. */
    static String reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof FileSystemException e) {
                return e.getFile() + (e.getOtherFile() == null ? "" : " -> " + e.getOtherFile()) + ": " + why(e);
            }
        }
        return why(failure);
    }

    /** Only the words: "permission denied", "No space left on device", "Read-only file system". */
    static String why(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof FileSystemException e) {
                return e.getReason() != null ? e.getReason()
                        : e instanceof AccessDeniedException ? "permission denied" : e.getClass().getSimpleName();
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof IOException) {
                return t.getMessage();
            }
        }
        return String.valueOf(failure.getMessage());
    }
}
