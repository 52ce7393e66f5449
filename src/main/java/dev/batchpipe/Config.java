package dev.batchpipe;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;

/**
 * Typed access to the {@code batchpipe.*} settings in application.properties (which map env vars through
 * {@code {{env:X:default}}} placeholders), so beans never parse property strings themselves.
 */
public final class Config {

    private final PropertiesComponent properties;

    public Config(CamelContext context) {
        this.properties = context.getPropertiesComponent();
    }

    public Optional<String> optional(String key) {
        return properties.resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** A setting that application.properties always gives (its default lives there, not here). */
    public String required(String key) {
        return optional(key).orElseThrow(() -> new StartupException("Setting " + key + " is missing"));
    }

    public String string(String key, String defaultValue) {
        return optional(key).orElse(defaultValue);
    }

    public int integer(String key, int defaultValue) {
        return optional(key).map(v -> parse(key, v, Integer::parseInt)).orElse(defaultValue);
    }

    public long longValue(String key, long defaultValue) {
        return optional(key).map(v -> parse(key, v, Long::parseLong)).orElse(defaultValue);
    }

    public double decimal(String key, double defaultValue) {
        return optional(key).map(v -> parse(key, v, Double::parseDouble)).orElse(defaultValue);
    }

    public boolean bool(String key, boolean defaultValue) {
        return optional(key).map(Boolean::parseBoolean).orElse(defaultValue);
    }

    /** Durations in Camel's notation: {@code 500} (ms), {@code 30s}, {@code 5m}, {@code 1h30m}. */
    public Duration duration(String key, Duration defaultValue) {
        return optional(key).map(v -> Duration.ofMillis(parse(key, v, TimeUtils::toMilliSeconds))).orElse(defaultValue);
    }

    public Path path(String key, String defaultValue) {
        return Path.of(string(key, defaultValue));
    }

    /** Every setting whose key starts with {@code prefix}, keyed by the rest of the key. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> values = new TreeMap<>();
        Properties props = properties.loadProperties(k -> k.startsWith(prefix));
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(prefix))
                .forEach(k -> props.setProperty(k, System.getProperty(k)));
        for (String key : props.stringPropertyNames()) {
            optional(key).ifPresent(v -> values.put(key.substring(prefix.length()), v));
        }
        return values;
    }

    private interface Parser<T> {
        T parse(String s);
    }

    private static <T> T parse(String key, String value, Parser<T> parser) {
        try {
            return parser.parse(value);
        } catch (RuntimeException e) {
            throw new StartupException("Setting " + key + " has an invalid value '" + value + "'");
        }
    }
}
