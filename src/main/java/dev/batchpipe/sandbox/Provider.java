package dev.batchpipe.sandbox;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The three provider protocols the sandbox speaks; the wire name is used in admin JSON and the CLI. */
public enum Provider {
    OPENAI("openai"),
    ANTHROPIC("anthropic"),
    GEMINI("gemini");

    private final String wireName;

    Provider(String wireName) {
        this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
        return wireName;
    }

    @JsonCreator
    public static Provider fromWireName(String name) {
        for (Provider p : values()) {
            if (p.wireName.equals(name.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown provider '" + name + "' (openai, anthropic, gemini)");
    }
}
