package dev.batchpipe.task;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The answer schema of a micro-batch, derived from the per-item schema: an object whose required properties are the
 * items' ids, each answered by the per-item schema, and nothing else. Any answer valid against it covers every item
 * exactly once, so validation by id is structural: a provider that enforces the schema cannot leave an item out, and
 * what a provider does not enforce (Gemini drops {@code additionalProperties}) is caught by validating each id's
 * answer on its own. It stays within every provider's dialect: OpenAI strict mode (every property required,
 * {@code additionalProperties: false}), Anthropic tool input schemas and Gemini's OpenAPI subset.
 */
public final class MicroBatchSchema {

    static final String DESCRIPTION = "One answer per item: each property is an item's id, its value the answer for "
            + "that item.";

    private MicroBatchSchema() {
    }

    /** The schema of one answer for the items {@code ids}, in their order, each answered by {@code itemSchema}. */
    public static ObjectNode of(ObjectNode itemSchema, List<String> ids) {
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("a micro-batch has at least one item");
        }
        ObjectNode schema = JsonNodeFactory.instance.objectNode();
        schema.put("type", "object").put("description", DESCRIPTION);
        ObjectNode properties = schema.putObject("properties");
        ArrayNode required = schema.putArray("required");
        for (String id : ids) {
            if (properties.has(id)) {
                throw new IllegalArgumentException("item id " + id + " appears twice in one micro-batch");
            }
            properties.set(id, itemSchema.deepCopy());
            required.add(id);
        }
        schema.put("additionalProperties", false);
        return schema;
    }
}
