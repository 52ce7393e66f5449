package dev.batchpipe.intake;

/**
 * What taking a file in produced. {@code alreadyTakenIn}: the same file had been taken in before; nothing was added.
 * {@code errorsFile}: the per-line report of rejected lines, or null when every line was usable.
 */
public record IntakeResult(long jobId, String status, long itemsAccepted, long itemsDuplicate, long linesRejected,
                           String error, boolean alreadyTakenIn, java.nio.file.Path errorsFile) {

    public boolean rejected() {
        return status.equals("rejected");
    }
}
