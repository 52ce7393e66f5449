package dev.batchpipe;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;

/**
 * The settings beans read by a name they compute (per provider, per model, per task), where {@code @PropertyInject}
 * cannot name them. Defaults live in application.properties only: a setting it gives is read as required here, and
 * a missing one is a start-up error, not a value made up in Java.
 */
public final class Config {

    /**
     * Where the settings come from: Camel's properties in the service, the properties file alone in the read-only
     * commands (which start no Camel context).
     */
    public interface Source {
        /** The setting's value with its placeholders resolved, or empty when unset. */
        Optional<String> get(String key);

        /** The keys set in the file that start with {@code prefix}. */
        Set<String> keys(String prefix);
    }

    private final Source source;

    public Config(CamelContext context) {
        PropertiesComponent properties = context.getPropertiesComponent();
        this.source = new Source() {
            @Override
            public Optional<String> get(String key) {
                return properties.resolveProperty(key);
            }

            @Override
            public Set<String> keys(String prefix) {
                return properties.loadProperties(k -> k.startsWith(prefix)).stringPropertyNames();
            }
        };
    }

    public Config(Source source) {
        this.source = source;
    }

    /** A setting that may be empty (an optional key, a per-task override). */
    public Optional<String> optional(String key) {
        return source.get(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    /** A setting that application.properties always gives. */
    public String required(String key) {
        return optional(key).orElseThrow(() -> new StartupException("Setting " + key + " is missing"));
    }

    public String string(String key) {
        return required(key);
    }

    public int integer(String key) {
        return parse(key, Integer::parseInt);
    }

    public long longValue(String key) {
        return parse(key, Long::parseLong);
    }

    /** Every setting whose key starts with {@code prefix}, keyed by the rest of the key. */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> values = new TreeMap<>();
        // a -Dkey=value may add a key the file does not have
        Set<String> keys = Stream.concat(source.keys(prefix).stream(),
                System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(prefix)))
                .collect(Collectors.toSet());
        for (String key : keys) {
            optional(key).ifPresent(v -> values.put(key.substring(prefix.length()), v));
        }
        return values;
    }

    private <T> T parse(String key, Function<String, T> parser) {
        String value = required(key);
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw new StartupException("Setting " + key + " has an invalid value '" + value + "'");
        }
    }
}
