package dev.batchpipe.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The value of an output column in a task file:
 * <ul>
 *   <li>{@code $item.field} – a field of the input item</li>
 *   <li>{@code $.a.b} – a field of the validated answer</li>
 *   <li>{@code $row.a} / {@code $row} – a field of (or) the current element when the output has {@code rows}</li>
 *   <li>{@code {resolveEntity: {name: …, type: …}}} – a function of other values</li>
 *   <li>anything else – a literal</li>
 * </ul>
 */
public sealed interface ValueExpression {

    enum Root { ITEM, ANSWER, ROW }

    record Path(Root root, List<String> segments, String text) implements ValueExpression {
        public JsonNode select(JsonNode item, JsonNode answer, JsonNode row) {
            JsonNode node = switch (root) {
                case ITEM -> item;
                case ANSWER -> answer;
                case ROW -> row;
            };
            for (String s : segments) {
                if (node == null) {
                    return null;
                }
                node = node.get(s);
            }
            return node;
        }
    }

    record Literal(JsonNode value) implements ValueExpression {
    }

    record Call(String function, Map<String, ValueExpression> args) implements ValueExpression {
    }

    /** True when evaluating needs the current row (so it cannot key a whole-output replacement). */
    default boolean usesRow() {
        if (this instanceof Path p) {
            return p.root() == Root.ROW;
        }
        if (this instanceof Call c) {
            return c.args().values().stream().anyMatch(ValueExpression::usesRow);
        }
        return false;
    }

    static ValueExpression parse(JsonNode node, String where) {
        if (node.isTextual() && node.asText().startsWith("$")) {
            String text = node.asText();
            Root root;
            String rest;
            if (text.equals("$") || text.startsWith("$.")) {
                root = Root.ANSWER;
                rest = text.substring(1);
            } else if (text.equals("$item") || text.startsWith("$item.")) {
                root = Root.ITEM;
                rest = text.substring(5);
            } else if (text.equals("$row") || text.startsWith("$row.")) {
                root = Root.ROW;
                rest = text.substring(4);
            } else {
                throw new TaskFileException(where + ": unknown reference '" + text + "' (use $item.x, $.x or $row.x)");
            }
            List<String> segments = rest.isEmpty() ? List.of()
                    : Arrays.stream(rest.substring(1).split("\\.")).toList();
            return new Path(root, segments, text);
        }
        if (node.isObject() && node.size() == 1) {
            Map.Entry<String, JsonNode> fn = node.fields().next();
            if (!fn.getValue().isObject()) {
                throw new TaskFileException(where + ": function " + fn.getKey() + " takes named arguments");
            }
            Map<String, ValueExpression> args = new LinkedHashMap<>();
            fn.getValue().fields().forEachRemaining(a ->
                    args.put(a.getKey(), parse(a.getValue(), where + "." + fn.getKey() + "." + a.getKey())));
            return new Call(fn.getKey(), args);
        }
        return new Literal(node);
    }
}
