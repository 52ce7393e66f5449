package dev.batchpipe.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.provider.ResultLine;
import dev.batchpipe.task.TaskDefinition;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Splits the answer of a micro-batch into one result line per item, as if each item had been sent alone: an item's
 * answer valid against the per-item schema becomes a succeeded line; an item missing from the answer, or whose answer
 * breaks the schema, becomes a failed line of its own (an attempt of that item alone) and is sent alone next time
 * (single-item fallback). A failed micro-batch fails each of its items: the provider's trouble (transient) keeps the
 * group together, anything else sends each item alone. Ids that are not the group's, or that come twice (the first
 * one counts), are ignored and logged. The usage of the call is shared out evenly, so costs add up.
 */
public final class GroupAnswers {

    private static final Logger LOG = LoggerFactory.getLogger(GroupAnswers.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One item of a micro-batch: its request, and the submission of it the group carried. */
    public record Member(long requestId, int submission) {
        String id() {
            return Long.toString(requestId);
        }

        String customId() {
            return RequestRenderer.customId(requestId, submission);
        }
    }

    /** A line per member, in the members' order, and the members to send alone from now on. */
    public record Split(List<ResultLine> lines, Set<Long> alone) {
    }

    private GroupAnswers() {
    }

    public static Split split(ResultLine group, List<Member> members, TaskDefinition.RequestTemplate template) {
        List<ResultLine.Usage> usage = share(group.usage(), members.size());
        List<ResultLine> lines = new ArrayList<>();
        Set<Long> alone = new LinkedHashSet<>();
        if (group.outcome() != ResultLine.Outcome.SUCCEEDED) {
            boolean together = group.failure() == ResultLine.Failure.TRANSIENT;
            for (int i = 0; i < members.size(); i++) {
                Member m = members.get(i);
                lines.add(ResultLine.failed(m.customId(), group.outcome(),
                        together ? ResultLine.Failure.TRANSIENT : ResultLine.Failure.REQUEST,
                        "micro-batch " + group.customId() + ": " + group.error(), usage.get(i), group.raw()));
                if (!together) {
                    alone.add(m.requestId());
                }
            }
            return new Split(lines, alone);
        }
        Map<String, JsonNode> answers = answers(group, members);
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            JsonNode answer = answers == null ? null : answers.get(m.id());
            String problem;
            if (answers == null) {
                problem = "the answer of micro-batch " + group.customId() + " is not a JSON object of answers by id";
            } else if (answer == null) {
                problem = "micro-batch " + group.customId() + " answered no item " + m.id();
            } else {
                List<String> problems = template.answerSchema().problems(answer);
                problem = problems.isEmpty() ? null : "its answer in micro-batch " + group.customId()
                        + " does not match the schema: " + String.join("; ", problems);
            }
            if (problem == null) {
                lines.add(ResultLine.succeeded(m.customId(), answer.toString(), usage.get(i), group.raw()));
            } else {
                lines.add(ResultLine.failed(m.customId(), ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                        problem, usage.get(i), group.raw()));
                alone.add(m.requestId());
            }
        }
        return new Split(lines, alone);
    }

    /** The answer's members by id, the first of each id and only the group's ids; null when it is no JSON object. */
    private static Map<String, JsonNode> answers(ResultLine group, List<Member> members) {
        Set<String> ids = new LinkedHashSet<>();
        members.forEach(m -> ids.add(m.id()));
        Map<String, JsonNode> answers = new LinkedHashMap<>();
        Set<String> ignored = new LinkedHashSet<>();
        try (JsonParser p = JSON.createParser(group.answer() == null ? "" : group.answer())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String id = p.currentName();
                p.nextToken();
                JsonNode value = p.readValueAsTree();
                if (!ids.contains(id) || answers.containsKey(id)) {
                    ignored.add(id);
                } else {
                    answers.put(id, value);
                }
            }
        } catch (IOException e) {
            return null;
        }
        if (!ignored.isEmpty()) {
            LOG.warn("Micro-batch {}: ignoring answers under ids that are not its items or came twice: {}",
                    group.customId(), ignored);
        }
        return answers;
    }

    /** {@code usage} shared out over {@code n} items, the remainders to the first ones, so the parts add up. */
    static List<ResultLine.Usage> share(ResultLine.Usage usage, int n) {
        List<ResultLine.Usage> parts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            parts.add(new ResultLine.Usage(part(usage.inputTokens(), n, i), part(usage.outputTokens(), n, i),
                    part(usage.cachedInputTokens(), n, i), part(usage.cacheWriteTokens(), n, i),
                    part(usage.longCacheWriteTokens(), n, i)));
        }
        return parts;
    }

    private static int part(int total, int n, int i) {
        return total / n + (i < total % n ? 1 : 0);
    }
}
