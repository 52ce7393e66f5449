package dev.batchpipe.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A JSON schema from a task file (draft 2020-12 unless the schema says otherwise), compiled once. Used for input
 * records and for answers: answers are always validated here against the full schema, whatever the provider
 * enforced.
 */
public final class JsonSchemaSpec {

    /**
     * Keywords that providers' structured-output modes do not all accept (OpenAI strict mode, Gemini's schema subset);
     * they stay in force in our own validation. Ranges and item counts are accepted everywhere and are kept, so the
     * model is held to them.
     */
    private static final Set<String> CONSTRAINT_KEYWORDS = Set.of("minLength", "maxLength", "uniqueItems",
            "minProperties", "maxProperties", "$schema", "$id");

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private final ObjectNode schema;
    private final JsonSchema compiled;

    public JsonSchemaSpec(ObjectNode schema) {
        this.schema = schema;
        this.compiled = FACTORY.getSchema(schema);
    }

    public ObjectNode schema() {
        return schema;
    }

    /** Validation problems, most specific path first, as "$.path: message"; empty when valid. */
    public List<String> problems(JsonNode instance) {
        Set<ValidationMessage> messages = compiled.validate(instance);
        return messages.stream()
                .sorted(Comparator.comparing((ValidationMessage m) -> m.getInstanceLocation().toString()))
                .map(ValidationMessage::getMessage)
                .toList();
    }

    /**
     * The schema as every provider's structured-output mode accepts it: the keywords above removed and folded into
     * the description so the model still reads them.
     */
    public ObjectNode strictSubset() {
        return (ObjectNode) strip(schema.deepCopy());
    }

    private static final Set<String> NAME_MAPS = Set.of("properties", "patternProperties", "$defs", "definitions");

    /** Strips constraint keywords from a schema node; the values of name maps (properties, $defs) are schemas. */
    private static JsonNode strip(JsonNode node) {
        if (node instanceof ArrayNode arr) {
            arr.forEach(JsonSchemaSpec::strip);
        } else if (node instanceof ObjectNode obj) {
            StringBuilder constraints = new StringBuilder();
            Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (CONSTRAINT_KEYWORDS.contains(e.getKey())) {
                    if (!e.getKey().startsWith("$")) {
                        constraints.append(constraints.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
                                .append(e.getValue().asText());
                    }
                    it.remove();
                } else if (NAME_MAPS.contains(e.getKey()) && e.getValue().isObject()) {
                    e.getValue().forEach(JsonSchemaSpec::strip);
                } else if (!e.getKey().equals("enum") && !e.getKey().equals("const")) {
                    strip(e.getValue());
                }
            }
            if (!constraints.isEmpty()) {
                String desc = obj.path("description").asText("");
                obj.put("description", (desc.isEmpty() ? "" : desc + " ") + "(" + constraints + ")");
            }
        }
        return node;
    }
}
