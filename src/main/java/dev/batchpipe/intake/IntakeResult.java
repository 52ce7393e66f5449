package dev.batchpipe.intake;

/** What taking a file in produced. {@code alreadyTakenIn}: the same file had been taken in before; nothing was added. */
public record IntakeResult(long jobId, String status, long itemsAccepted, long itemsDuplicate, long linesRejected,
                           String error, boolean alreadyTakenIn) {

    public boolean rejected() {
        return status.equals("rejected");
    }
}
