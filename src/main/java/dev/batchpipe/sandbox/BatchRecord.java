package dev.batchpipe.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state of one batch, provider-neutral, persisted as one JSON file on every change so a restarted sandbox
 * continues it. Mutated only while holding the record's monitor. Times are wall-clock epoch milliseconds.
 */
final class BatchRecord {

    /** Life-cycle phases; each provider shows them under its own names. */
    enum Phase {
        VALIDATING, IN_PROGRESS, FINALIZING, COMPLETED, FAILED, EXPIRED, CANCELLING, CANCELLED;

        boolean terminal() {
            return this == COMPLETED || this == FAILED || this == EXPIRED || this == CANCELLED;
        }
    }

    /** One entry of OpenAI's {@code errors.data}. */
    record Problem(String code, String message, String param, Integer line) {
    }

    String id;
    Provider provider;
    /** Creation order, for newest-first listings with cursors. */
    long seq;
    String model;
    String endpoint;
    String completionWindow;
    String inputFileId;
    /** The JSONL the engine works through, relative to the data directory. */
    String requestsFile;
    String outputFile;
    String errorFile;
    boolean inlineOutput;
    String displayName;
    Map<String, String> metadata = new LinkedHashMap<>();

    volatile Phase phase;
    long phaseSince;
    /** Counted against the enqueued-token quota (OpenAI: after validation; the others: on create). */
    boolean admitted;
    long createdAt;
    long expiresAt;
    Long inProgressAt;
    Long finalizingAt;
    Long completedAt;
    Long failedAt;
    Long expiredAt;
    Long cancellingAt;
    Long cancelledAt;

    int total;
    int succeeded;
    int errored;
    int expired;
    int cancelled;
    /** Byte offset of the next unprocessed input line, and the committed lengths of the result files. */
    long inputOffset;
    long outputBytes;
    long errorBytes;
    /** Estimated tokens per model of the whole batch: what the enqueued-token quota counts. */
    Map<String, Long> tokensByModel = new LinkedHashMap<>();
    long inputTokens;
    long outputTokens;
    /** Throughput earned but not yet spent on a line. */
    double credit;
    List<Problem> errors = new ArrayList<>();
    String outputFileId;
    String errorFileId;

    double lineErrorProbability;
    double invalidAnswerFraction;
    /** Expire once this fraction of the lines is done (fault), or null. */
    Double expireAfterFraction;

    int done() {
        return succeeded + errored + expired + cancelled;
    }

    boolean expiryFaultDue() {
        return expireAfterFraction != null && done() >= Math.floor(expireAfterFraction * total);
    }

    long totalTokens() {
        return tokensByModel.values().stream().mapToLong(Long::longValue).sum();
    }

    Long endedAt() {
        return completedAt != null ? completedAt : failedAt != null ? failedAt : expiredAt != null ? expiredAt
                : cancelledAt;
    }
}
