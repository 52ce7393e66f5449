package dev.batchpipe.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A prompt with {@code {{field}}} placeholders filled from an item's fields. Deliberately tiny: no escaping, no
 * logic, so what the task file says is exactly what the model sees.
 */
public final class PromptTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.-]+)\\s*}}");

    private final String text;
    private final List<Object> parts = new ArrayList<>();
    private final Set<String> fields = new LinkedHashSet<>();

    public PromptTemplate(String text) {
        this.text = text == null ? "" : text;
        Matcher m = PLACEHOLDER.matcher(this.text);
        int last = 0;
        while (m.find()) {
            parts.add(this.text.substring(last, m.start()));
            parts.add(new Field(m.group(1)));
            fields.add(m.group(1));
            last = m.end();
        }
        parts.add(this.text.substring(last));
    }

    /** The template as written in the task file. */
    public String text() {
        return text;
    }

    /** The item fields this template reads. */
    public Set<String> fields() {
        return fields;
    }

    /**
     * What every rendering of this template starts with, whatever the item: the whole text when it has no
     * placeholder, else the text before the first one (what a provider's prompt cache may keep for all items).
     */
    public String constantPrefix() {
        return (String) parts.get(0);
    }

    public boolean isEmpty() {
        return text.isBlank();
    }

    public String render(JsonNode item) {
        StringBuilder sb = new StringBuilder(text.length() + 256);
        for (Object part : parts) {
            if (part instanceof Field f) {
                JsonNode v = item.get(f.name());
                if (v != null && !v.isNull()) {
                    sb.append(v.isValueNode() ? v.asText() : v.toString());
                }
            } else {
                sb.append((String) part);
            }
        }
        return sb.toString();
    }

    private record Field(String name) {
    }
}
