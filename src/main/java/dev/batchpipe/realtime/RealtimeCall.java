package dev.batchpipe.realtime;

import java.util.List;

/**
 * One claimed realtime call: what to send (one request, or the items of a micro-batch, each with the submission this
 * call makes of it) under its custom id, and, when an earlier claim of the same submission already received the
 * answer (recorded before a crash), that answer, so it is written without calling again.
 */
public record RealtimeCall(String customId, List<Member> members, String task, String template, String provider,
                           String model, String endpoint, int maxOutputTokens, String recordedAnswer) {

    /** A request the call answers: its submission, estimated prompt tokens and stored item. */
    public record Member(long requestId, int submission, int estimatedTokens, String payload) {
    }

    public RealtimeCall {
        members = List.copyOf(members);
    }

    /** The call's first request, which names it in logs. */
    public long requestId() {
        return members.get(0).requestId();
    }

    public List<Long> requestIds() {
        return members.stream().map(Member::requestId).toList();
    }

    /** Tokens the call is charged against the tokens-per-minute budget before its usage is known: input + max output. */
    public long reservedTokens() {
        return members.stream().mapToLong(Member::estimatedTokens).sum() + maxOutputTokens;
    }

    public boolean answered() {
        return recordedAnswer != null;
    }
}
