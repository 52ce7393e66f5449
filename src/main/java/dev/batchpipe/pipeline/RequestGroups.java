package dev.batchpipe.pipeline;

import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.function.Function;

/**
 * Packs consecutive requests of the same task, template, provider, model and endpoint into micro-batches of up to the
 * template's {@code rows_per_request} items, and fewer when the items are long: a group's prompt (the sum of its
 * items' estimated input tokens) and its answer (the items' answer budgets, plus the few tokens each item's id takes
 * in the answer) stay within {@code maxInputTokens} and {@code maxOutputTokens}. A request that must go alone (a group
 * answer missed or broke it before) and every request of a template without micro-batching is a group of one. Used
 * on the stream of due requests of a packing (one batch line per group) and on a realtime claim (one call per group).
 */
public final class RequestGroups {

    /** What the answer of one item costs beyond its own answer budget: its id as a key, quotes and braces. */
    static final int ID_TOKENS = 8;

    /**
     * A request as grouping sees it: {@code route} is its provider, model and endpoint; {@code inputTokens} its
     * estimated prompt; {@code alone}: it must not share a prompt.
     */
    public record Member(String task, String template, String route, long inputTokens, boolean alone) {
    }

    private final TaskRegistry tasks;
    private final long maxInputTokens;
    private final long maxOutputTokens;

    public RequestGroups(TaskRegistry tasks, long maxInputTokens, long maxOutputTokens) {
        if (maxInputTokens < 1 || maxOutputTokens < 1) {
            throw new IllegalArgumentException("batchpipe.micro-batch.max-input-tokens and max-output-tokens must be "
                    + "positive");
        }
        this.tasks = tasks;
        this.maxInputTokens = maxInputTokens;
        this.maxOutputTokens = maxOutputTokens;
    }

    /** The due requests of a packing as groups; closing the groups closes the requests' cursor. */
    public Groups<PendingRequest> pending(Iterator<PendingRequest> due) {
        return new Groups<>(due, r -> new Member(r.task(), r.template(),
                r.provider() + " " + r.model() + " " + r.endpoint(), r.tokens(), r.alone()));
    }

    /** {@code requests} in their order, consecutive ones of a micro-batching template grouped. */
    public <T> Groups<T> of(Iterator<T> requests, Function<T, Member> member) {
        return new Groups<>(requests, member);
    }

    /** The answer budget of a group of {@code n} items of a template: each item's, and its id. */
    public static int maxOutputTokens(TaskDefinition.RequestTemplate t, int n) {
        return n == 1 ? t.maxOutputTokens() : n * (t.maxOutputTokens() + ID_TOKENS);
    }

    /** Groups read one ahead from their requests. */
    public final class Groups<T> implements Iterator<List<T>>, Closeable {

        private final Iterator<T> requests;
        private final Function<T, Member> member;
        private T next;

        private Groups(Iterator<T> requests, Function<T, Member> member) {
            this.requests = requests;
            this.member = member;
        }

        @Override
        public boolean hasNext() {
            return next != null || requests.hasNext();
        }

        @Override
        public List<T> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            T first = next != null ? next : requests.next();
            next = null;
            List<T> group = new ArrayList<>(List.of(first));
            Member lead = member.apply(first);
            TaskDefinition.RequestTemplate t = tasks.get(lead.task()).request(lead.template());
            if (!t.microBatched() || lead.alone()) {
                return group;
            }
            long input = lead.inputTokens();
            while (group.size() < t.rowsPerRequest() && requests.hasNext()) {
                T candidate = requests.next();
                Member m = member.apply(candidate);
                boolean fits = input + m.inputTokens() <= maxInputTokens
                        && maxOutputTokens(t, group.size() + 1) <= maxOutputTokens;
                if (m.alone() || !fits || !m.task().equals(lead.task()) || !m.template().equals(lead.template())
                        || !Objects.equals(m.route(), lead.route())) {
                    next = candidate;
                    break;
                }
                group.add(candidate);
                input += m.inputTokens();
            }
            return group;
        }

        @Override
        public void close() throws IOException {
            if (requests instanceof Closeable c) {
                c.close();
            }
        }
    }
}
