package dev.batchpipe.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.image.ImagePart;
import dev.batchpipe.image.VideoPart;
import dev.batchpipe.provider.BatchRequest;
import dev.batchpipe.task.MicroBatchSchema;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.util.List;
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
    private static final Pattern GROUP_ID = Pattern.compile("g(\\d+)s(\\d+)");

    /** Added to the system prompt of a micro-batch: the task's instructions speak of one item. */
    static final String GROUP_INSTRUCTIONS = "You are given several items as a JSON array; each has an id and an "
            + "input. Answer each item on its own, as the instructions above say for one. Reply with one JSON object "
            + "with every item's id as a key and that item's answer as its value.";

    /** One item of a request to render: its request, the submission being made, and the stored item. */
    public record Item(long requestId, int submission, JsonNode payload) {
    }

    /** Where a video is at the provider: its file's URI, uploaded first if it is not there yet (MediaUploads). */
    @FunctionalInterface
    public interface VideoFiles {
        String uri(VideoPart video);
    }

    private final TaskRegistry tasks;
    private final VideoFiles videos;
    private final Map<String, ObjectNode> strictSchemas = new ConcurrentHashMap<>();

    public RequestRenderer(TaskRegistry tasks, VideoFiles videos) {
        this.tasks = tasks;
        this.videos = videos;
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

    /**
     * The custom id of a micro-batch: its first item's request and submission ({@code g<id>s<n>}), so a result line
     * maps back to its group (request_submissions.group_id) and is distinct per submission like a request's own.
     */
    public static String groupId(long leaderId, int submission) {
        return "g" + leaderId + "s" + submission;
    }

    public static boolean isGroupId(String customId) {
        return customId != null && GROUP_ID.matcher(customId).matches();
    }

    /**
     * One item as its own request, or several (a micro-batch, in the given order): the items as a JSON array of
     * {@code {id, input}}, each input the template's user prompt for the item, and the answer schema derived from the
     * item's ({@link MicroBatchSchema}) with one answer budget per item.
     */
    public BatchRequest render(String task, String template, String model, String endpoint, List<Item> items) {
        Item first = items.get(0);
        if (items.size() == 1) {
            return render(first.requestId(), first.submission(), task, template, model, endpoint, first.payload());
        }
        TaskDefinition.RequestTemplate t = tasks.get(task).request(template);
        ArrayNode array = JsonNodeFactory.instance.arrayNode();
        List<String> ids = new java.util.ArrayList<>();
        for (Item item : items) {
            ids.add(Long.toString(item.requestId()));
            array.addObject().put("id", Long.toString(item.requestId())).put("input", t.user().render(item.payload()));
        }
        String system = groupSystem(t.system().render(first.payload()));
        return new BatchRequest(groupId(first.requestId(), first.submission()), model, endpoint, system,
                array.toString(), RequestGroups.maxOutputTokens(t, items.size()), t.temperature(),
                schemaName(task, template) + "_items", MicroBatchSchema.of(strictSchema(task, t), ids), List.of(), null,
                List.of(), system, null); // a micro-batch's system prompt has no placeholders (TaskLoader)
    }

    public BatchRequest render(long requestId, int submission, String task, String template, String model,
                               String endpoint, JsonNode item) {
        TaskDefinition.RequestTemplate t = tasks.get(task).request(template);
        if (t.isEmbedding()) {
            // the provider answers a vector, not JSON to hold to a schema
            return BatchRequest.embedding(customId(requestId, submission), model, t.user().render(item),
                    t.dimensions());
        }
        return new BatchRequest(customId(requestId, submission), model, endpoint, t.system().render(item),
                t.user().render(item), t.maxOutputTokens(), t.temperature(), schemaName(task, template),
                strictSchema(task, t), ImagePart.of(item), null, VideoPart.of(item).stream()
                .map(v -> new BatchRequest.FileReference(v.mediaType(), videos.uri(v))).toList(),
                t.system().constantPrefix(), null);
    }

    private static String groupSystem(String system) {
        return system.isBlank() ? GROUP_INSTRUCTIONS : system.stripTrailing() + "\n\n" + GROUP_INSTRUCTIONS;
    }

    private ObjectNode strictSchema(String task, TaskDefinition.RequestTemplate t) {
        return strictSchemas.computeIfAbsent(task + "/" + t.name(), k -> t.answerSchema().strictSubset());
    }

    private static String schemaName(String task, String template) {
        return (task + "_" + template).replaceAll("[^A-Za-z0-9_-]", "_");
    }
}
