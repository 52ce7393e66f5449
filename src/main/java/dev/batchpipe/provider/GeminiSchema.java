package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A JSON schema as Gemini's {@code responseSchema}, the OpenAPI 3.0 subset of its Schema object: types in upper case,
 * {@code null} as {@code nullable}, int64 counts as strings, local {@code $ref}s inlined, {@code oneOf} as
 * {@code anyOf}, property order kept in {@code propertyOrdering}. What the subset cannot say (non-string enums,
 * exclusive bounds, {@code multipleOf}, …) is folded into the description, as {@code JsonSchemaSpec} does for strict
 * modes; batchpipe validates every answer against the task's full schema anyway.
 */
final class GeminiSchema {

    private static final Set<String> COPIED = Set.of("format", "title", "pattern", "default", "example", "minimum",
            "maximum");
    private static final Set<String> COUNTS = Set.of("minItems", "maxItems", "minLength", "maxLength",
            "minProperties", "maxProperties");
    /** Keywords with nothing to say to the model once the schema is in Gemini's form. */
    private static final Set<String> DROPPED = Set.of("$schema", "$id", "$defs", "definitions", "$comment", "$anchor",
            "additionalProperties", "unevaluatedProperties");

    private final JsonNode root;
    private final Deque<String> refs = new ArrayDeque<>();

    private GeminiSchema(JsonNode root) {
        this.root = root;
    }

    /** @throws IllegalArgumentException for a recursive schema, which the subset cannot express */
    static ObjectNode of(JsonNode schema) {
        return new GeminiSchema(schema).convert(schema);
    }

    private ObjectNode convert(JsonNode schema) {
        if (schema.has("$ref")) {
            return inlineRef(schema);
        }
        ObjectNode out = ProviderHttp.JSON.createObjectNode();
        List<String> notes = new ArrayList<>();
        boolean nullable = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            switch (key) {
                case "type" -> nullable |= type(v, out);
                case "enum" -> nullable |= enumeration(v, out, notes);
                case "const" -> {
                    if (v.isTextual()) {
                        out.putArray("enum").add(v);
                    } else {
                        notes.add("const " + v);
                    }
                }
                case "anyOf", "oneOf" -> nullable |= anyOf(v, out);
                case "allOf" -> v.forEach(part -> merge(out, convert(part)));
                case "properties" -> properties(v, out);
                case "required" -> out.set("required", v.deepCopy());
                case "items" -> {
                    if (v.isObject()) {
                        out.set("items", convert(v));
                    } else {
                        notes.add("items " + v);
                    }
                }
                case "exclusiveMinimum", "exclusiveMaximum" -> {
                    if (v.isNumber() && !schema.has(key.equals("exclusiveMinimum") ? "minimum" : "maximum")) {
                        out.set(key.equals("exclusiveMinimum") ? "minimum" : "maximum", v);
                    }
                    notes.add(key + " " + v);
                }
                case "description", "nullable" -> {
                    // written last, with the notes
                }
                default -> {
                    if (COPIED.contains(key)) {
                        out.set(key, v.deepCopy());
                    } else if (COUNTS.contains(key) && v.canConvertToLong()) {
                        out.put(key, String.valueOf(v.asLong())); // int64 fields travel as strings
                    } else if (!DROPPED.contains(key)) {
                        notes.add(key + " " + v);
                    }
                }
            }
        }
        if (!out.has("type")) {
            inferType(out);
        }
        if (nullable || schema.path("nullable").asBoolean(false)) {
            out.put("nullable", true);
        }
        String description = schema.path("description").asText("");
        if (!notes.isEmpty()) {
            description = (description.isEmpty() ? "" : description + " ") + "(" + String.join(", ", notes) + ")";
        }
        if (!description.isEmpty()) {
            out.put("description", description);
        }
        return out;
    }

    private ObjectNode inlineRef(JsonNode schema) {
        String ref = schema.get("$ref").asText();
        JsonNode target = ref.startsWith("#") ? root.at(ref.substring(1)) : null;
        if (target == null || target.isMissingNode()) {
            throw new IllegalArgumentException("schema reference " + ref + " cannot be resolved (only local refs can)");
        }
        if (refs.contains(ref)) {
            throw new IllegalArgumentException("schema reference " + ref + " is recursive: Gemini's responseSchema "
                    + "cannot express recursive schemas");
        }
        refs.push(ref);
        ObjectNode merged = target.deepCopy();
        schema.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("$ref")) {
                merged.set(e.getKey(), e.getValue());
            }
        });
        ObjectNode out = convert(merged);
        refs.pop();
        return out;
    }

    /** Sets the Gemini type; true when the JSON type allows null. */
    private static boolean type(JsonNode v, ObjectNode out) {
        List<String> types = new ArrayList<>();
        boolean nullable = false;
        for (JsonNode t : v.isArray() ? v : List.of(v)) {
            if (t.asText().equals("null") && (v.isArray() && v.size() > 1)) {
                nullable = true;
            } else {
                types.add(t.asText().toUpperCase(Locale.ROOT));
            }
        }
        if (types.size() == 1) {
            out.put("type", types.get(0));
        } else {
            ArrayNode anyOf = out.putArray("anyOf");
            types.forEach(t -> anyOf.addObject().put("type", t));
        }
        return nullable;
    }

    /** Gemini enums hold strings: others are only described. True when null is one of the values. */
    private static boolean enumeration(JsonNode v, ObjectNode out, List<String> notes) {
        ArrayNode values = ProviderHttp.JSON.createArrayNode();
        boolean nullable = false;
        boolean strings = true;
        for (JsonNode value : v) {
            if (value.isNull()) {
                nullable = true;
            } else {
                strings &= value.isTextual();
                values.add(value);
            }
        }
        if (strings) {
            out.set("enum", values);
        } else {
            notes.add("one of " + values);
        }
        return nullable;
    }

    /** Null branches become {@code nullable}; a single remaining branch is the schema itself. */
    private boolean anyOf(JsonNode branches, ObjectNode out) {
        List<ObjectNode> kept = new ArrayList<>();
        boolean nullable = false;
        for (JsonNode b : branches) {
            if ("null".equals(b.path("type").asText())) {
                nullable = true;
            } else {
                kept.add(convert(b));
            }
        }
        if (kept.size() == 1) {
            merge(out, kept.get(0));
        } else if (!kept.isEmpty()) {
            out.putArray("anyOf").addAll(kept);
        }
        return nullable;
    }

    private void properties(JsonNode props, ObjectNode out) {
        ObjectNode converted = out.putObject("properties");
        ArrayNode order = out.putArray("propertyOrdering");
        props.fields().forEachRemaining(e -> {
            converted.set(e.getKey(), convert(e.getValue()));
            order.add(e.getKey());
        });
    }

    /** allOf parts and single anyOf branches: properties, ordering and required add up; other fields are set. */
    private static void merge(ObjectNode into, ObjectNode part) {
        part.fields().forEachRemaining(e -> {
            JsonNode existing = into.get(e.getKey());
            if (existing instanceof ObjectNode obj && e.getKey().equals("properties")) {
                obj.setAll((ObjectNode) e.getValue());
            } else if (existing instanceof ArrayNode arr && Set.of("required", "propertyOrdering").contains(e.getKey())) {
                arr.addAll((ArrayNode) e.getValue());
            } else {
                into.set(e.getKey(), e.getValue());
            }
        });
    }

    private static void inferType(ObjectNode out) {
        if (out.has("properties")) {
            out.put("type", "OBJECT");
        } else if (out.has("items")) {
            out.put("type", "ARRAY");
        } else if (out.has("enum")) {
            out.put("type", "STRING");
        }
    }
}
