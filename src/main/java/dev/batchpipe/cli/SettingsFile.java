package dev.batchpipe.cli;

import dev.batchpipe.Config;
import dev.batchpipe.StartupException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * batchpipe's settings as application.properties, the environment and {@code -D} give them, read without booting
 * Camel. The read-only commands use it: a Camel context alone takes seconds to build, and {@code status} must answer
 * at once. It knows the two placeholder forms the file uses, {@code {{env:NAME:default}}} and {@code {{other.key}}};
 * a {@code -Dkey=value} wins over the file, as it does in camel-main.
 */
final class SettingsFile implements Config.Source {

    private static final Pattern INNERMOST = Pattern.compile("\\{\\{([^{}]*)}}");

    private final Properties file;

    private SettingsFile(Properties file) {
        this.file = file;
    }

    static SettingsFile load() {
        Properties props = new Properties();
        try (InputStream in = SettingsFile.class.getClassLoader().getResourceAsStream("application.properties")) {
            if (in != null) {
                props.load(in);
            }
        } catch (IOException e) {
            throw new StartupException("Cannot read application.properties: " + e.getMessage(), e);
        }
        return new SettingsFile(props);
    }

    /** The setting's value, placeholders resolved; empty when unset or blank. */
    @Override
    public Optional<String> get(String key) {
        String raw = System.getProperty(key, file.getProperty(key));
        return Optional.ofNullable(raw).map(v -> resolve(v, 0).trim()).filter(v -> !v.isEmpty());
    }

    @Override
    public Set<String> keys(String prefix) {
        return file.stringPropertyNames().stream().filter(k -> k.startsWith(prefix)).collect(Collectors.toSet());
    }

    /** A setting application.properties always gives: its default lives there, not in the caller. */
    String required(String key) {
        return get(key).orElseThrow(() -> new StartupException("Setting " + key + " is missing"));
    }

    private String resolve(String value, int depth) {
        if (depth > 10) {
            throw new StartupException("Setting placeholders nest too deep: " + value);
        }
        Matcher m = INNERMOST.matcher(value);
        if (!m.find()) {
            return value;
        }
        StringBuilder out = new StringBuilder();
        do {
            m.appendReplacement(out, Matcher.quoteReplacement(placeholder(m.group(1), depth)));
        } while (m.find());
        m.appendTail(out);
        return resolve(out.toString(), depth + 1);
    }

    private String placeholder(String body, int depth) {
        if (body.startsWith("env:")) {
            String[] nameAndDefault = body.substring(4).split(":", 2);
            String env = System.getenv(nameAndDefault[0]);
            return env != null ? env : nameAndDefault.length > 1 ? nameAndDefault[1] : "";
        }
        return get(body).orElse("");
    }
}
