package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

/** Collects the text of chat-style prompts, whatever the provider calls its parts. */
final class Prompts {

    private final StringBuilder all = new StringBuilder();
    private final StringBuilder user = new StringBuilder();

    /** Adds the text of a content value: a string, or a list of parts/blocks with a {@code text} field. */
    Prompts add(JsonNode content, boolean fromUser) {
        if (content == null) {
            return this;
        }
        if (content.isTextual()) {
            append(content.asText(), fromUser);
        } else if (content.isArray()) {
            for (JsonNode part : content) {
                String image = ImageParts.word(part);
                if (image != null) {
                    append(image, fromUser);
                } else if (part.isTextual()) {
                    append(part.asText(), fromUser);
                } else if (part.path("text").isTextual()) {
                    append(part.get("text").asText(), fromUser);
                } else if (part.has("content")) {
                    // tool results and nested messages carry their text one level down
                    add(part.get("content"), fromUser);
                }
            }
        }
        return this;
    }

    private void append(String text, boolean fromUser) {
        all.append(all.length() == 0 ? "" : "\n").append(text);
        if (fromUser) {
            user.append(user.length() == 0 ? "" : "\n").append(text);
        }
    }

    boolean isEmpty() {
        return all.length() == 0;
    }

    String all() {
        return all.toString();
    }

    String user() {
        return user.toString();
    }
}
