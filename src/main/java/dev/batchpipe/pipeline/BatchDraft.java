package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderLimits;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch being packed: the requests taken so far, their lines already written to the batch's file, and what the
 * provider account may still take. A line is taken while the batch stays within the provider's request count and file
 * size, the model's enqueued-token quota, the batch size the model's refusals left, and the room in the account's
 * queue. A draft started when the quota or the
 * queue is already full takes nothing: the group waits for the next packing (requests are taken by priority, so no
 * smaller request jumps the queue).
 */
public final class BatchDraft {

    /**
     * What the account may still take: enqueued tokens of the model, requests in its queue, tokens in one batch
     * (MAX_VALUE: no limit); {@code idle}: none of the model's quota is taken, so a request larger than the whole
     * quota (one the provider stated: our count may be high, or the quota may have grown) may go alone;
     * {@code minTokens}: while some of the quota is taken, no batch starts into less room than this (it would be a
     * sliver; the next finish frees more).
     */
    public record Budget(long tokens, long requests, long batchTokens, boolean idle, long minTokens) {

        /** No limit on batch size; some of the quota may be in flight. */
        public Budget(long tokens, long requests) {
            this(tokens, requests, Long.MAX_VALUE, false, 0);
        }

        Budget less(long usedTokens, long usedRequests) {
            return new Budget(tokens == Long.MAX_VALUE ? tokens : tokens - usedTokens,
                    requests == Long.MAX_VALUE ? requests : requests - usedRequests, batchTokens,
                    idle && usedTokens == 0, minTokens);
        }
    }

    private final String provider;
    private final String model;
    private final String endpoint;
    private final ProviderLimits limits;
    private final Budget budget;
    private final BatchFiles.Writer file;
    private final List<Long> ids = new ArrayList<>();
    private final List<Integer> submissions = new ArrayList<>();
    private final List<String> groups = new ArrayList<>();
    private int lines;
    private long bytes;
    private long tokens;
    private String waiting;

    private BatchDraft(PendingRequest first, ProviderLimits limits, Budget budget, BatchFiles.Writer file) {
        this.provider = first.provider();
        this.model = first.model();
        this.endpoint = first.endpoint();
        this.limits = limits;
        this.budget = budget;
        this.file = file;
    }

    /** A draft starting with {@code first}, or taking nothing when the budget has no room for it. */
    public static BatchDraft start(PendingLine first, ProviderLimits limits, Budget budget, BatchFiles.Writer file) {
        BatchDraft d = new BatchDraft(first.request(), limits, budget, file);
        if (!budget.idle() && budget.tokens() < budget.minTokens()) {
            long quota = first.request().quota();
            d.waiting = d.provider + " " + d.model + ": waiting for room for a batch in the enqueued-token quota ("
                    + (quota - budget.tokens()) + " of " + quota + " tokens in flight, as the provider counts them)";
        } else if (d.fits(first)) {
            d.add(first);
        } else if (budget.requests() <= 0) {
            long max = limits.maxQueuedRequests();
            d.waiting = d.provider + ": waiting for room in the batch queue (" + (max - budget.requests()) + " of " + max
                    + " requests queued)";
        } else {
            long quota = first.request().quota();
            d.waiting = d.provider + " " + d.model + ": waiting for enqueued-token quota (" + (quota - budget.tokens())
                    + " of " + quota + " tokens in flight, as the provider counts them)";
        }
        return d;
    }

    /** Whether {@code l} must go into a new batch: this one would pass a limit with it (and still takes lines). */
    public boolean fullFor(PendingLine l) {
        return waiting == null && !fits(l);
    }

    /** Takes a line that fits; a waiting draft ignores it. */
    public void offer(PendingLine l) {
        if (waiting == null) {
            add(l);
        }
    }

    /** What is left of the budget for the next batch of the group. */
    public Budget remaining() {
        return budget.less(tokens, lines);
    }

    /** The provider's limits and queue count lines (a micro-batch is one request to the provider). */
    private boolean fits(PendingLine l) {
        long t = tokens + l.tokens();
        // the first line of a batch is taken even when larger than the batch size after refusals
        return lines < Math.min(limits.maxRequests(), budget.requests())
                && bytes + l.bytes() <= limits.maxBytes()
                && (t <= budget.tokens() || ids.isEmpty() && budget.idle())
                && (t <= budget.batchTokens() || ids.isEmpty());
    }

    private void add(PendingLine l) {
        file.write(l.line());
        for (PendingRequest r : l.requests()) {
            ids.add(r.id());
            submissions.add(r.submissions());
            groups.add(l.groupId());
        }
        lines++;
        bytes += l.bytes();
        tokens += l.tokens();
    }

    public boolean isEmpty() {
        return ids.isEmpty();
    }

    /** Why this draft takes nothing, or null. */
    public String waiting() {
        return waiting;
    }

    public String provider() {
        return provider;
    }

    public String model() {
        return model;
    }

    public String endpoint() {
        return endpoint;
    }

    public List<Long> ids() {
        return ids;
    }

    /** The lines of the batch: what the provider counts as its requests. */
    public int lines() {
        return lines;
    }

    /** Each request's micro-batch (its custom id), or null for a request alone. */
    public List<String> groups() {
        return groups;
    }

    /** Each request's submission count when it was rendered (a request packed meanwhile elsewhere has moved on). */
    public List<Integer> submissions() {
        return submissions;
    }

    public long bytes() {
        return bytes;
    }

    public long tokens() {
        return tokens;
    }

    public BatchFiles.Writer file() {
        return file;
    }
}
