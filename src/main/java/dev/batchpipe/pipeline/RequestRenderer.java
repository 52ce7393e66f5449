package dev.batchpipe.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.provider.BatchRequest;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a stored request (task, template, item) into what a provider adapter encodes. Deterministic: the same
 * request and submission always render to the same bytes, so a batch file rebuilt after a crash is identical.
 */
public final class RequestRenderer {

    private static final Pattern CUSTOM_ID = Pattern.compile("r(\\d+)s(\\d+)");

    private final TaskRegistry tasks;
    private final Map<String, ObjectNode> strictSchemas = new ConcurrentHashMap<>();

    public RequestRenderer(TaskRegistry tasks) {
        this.tasks = tasks;
    }

    /** Our custom id for a submission of a request: valid for every provider ({@code ^[a-zA-Z0-9_-]{1,64}$}). */
    public static String customId(long requestId, int submission) {
        return "r" + requestId + "s" + submission;
    }

    /** {requestId, submission} of a custom id we made, or null for anything else. */
    public static long[] parseCustomId(String customId) {
        Matcher m = customId == null ? null : CUSTOM_ID.matcher(customId);
        return m != null && m.matches() ? new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))} : null;
    }

    public BatchRequest render(long requestId, int submission, String task, String template, String model,
                               String endpoint, JsonNode item) {
        TaskDefinition.RequestTemplate t = tasks.get(task).request(template);
        if (t.isEmbedding()) {
            // the provider answers a vector, not JSON to hold to a schema
            return new BatchRequest(customId(requestId, submission), model, endpoint, null, t.user().render(item), 0,
                    null, null, null, t.dimensions());
        }
        ObjectNode schema = strictSchemas.computeIfAbsent(task + "/" + template, k -> t.answerSchema().strictSubset());
        return new BatchRequest(customId(requestId, submission), model, endpoint, t.system().render(item),
                t.user().render(item), t.maxOutputTokens(), t.temperature(),
                (task + "_" + template).replaceAll("[^A-Za-z0-9_-]", "_"), schema, null);
    }
}
