package dev.batchpipe.provider;

import dev.batchpipe.StartupException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether the built-in sandbox may answer a provider that has no API key. Its answers are made up, so where they could
 * reach a real database that takes a decision: {@code batchpipe.sandbox} {@code auto} lets it answer only on the
 * embedded database, {@code true} always, {@code false} never; {@code batchpipe.sandbox.providers} names providers it
 * may answer regardless. A keyless provider it may not answer is held: its requests wait, for the reason
 * {@link #hold} gives.
 */
public final class SandboxPolicy {

    public enum Mode { AUTO, ALWAYS, NEVER }

    private final Mode mode;
    private final Set<String> allowed;
    private final boolean embeddedDatabase;

    public SandboxPolicy(Mode mode, Set<String> allowed, boolean embeddedDatabase) {
        this.mode = mode;
        this.allowed = Set.copyOf(allowed);
        this.embeddedDatabase = embeddedDatabase;
    }

    /** From the settings' text: {@code sandbox} auto/true/false, {@code providers} comma-separated, the database URL. */
    public static SandboxPolicy of(String sandbox, String providers, String databaseUrl) {
        Mode mode = switch (sandbox == null ? "" : sandbox.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> Mode.AUTO;
            case "true" -> Mode.ALWAYS;
            case "false" -> Mode.NEVER;
            default -> throw new StartupException("BATCHPIPE_SANDBOX (batchpipe.sandbox) must be auto, true or false, "
                    + "not '" + sandbox + "'");
        };
        Set<String> names = providers == null ? Set.of() : Arrays.stream(providers.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        return new SandboxPolicy(mode, names, databaseUrl == null || databaseUrl.isBlank());
    }

    /** Why the requests of {@code provider}, which has no key in {@code keyVariable}, must wait; empty when the sandbox may answer them. */
    public Optional<String> hold(String provider, String keyVariable) {
        boolean answers = allowed.contains(provider) || mode == Mode.ALWAYS || (mode == Mode.AUTO && embeddedDatabase);
        if (answers) {
            return Optional.empty();
        }
        return Optional.of(provider + " has no API key (" + keyVariable + " is not set); set it, or ask for the built-in "
                + "sandbox with BATCHPIPE_SANDBOX=true or batchpipe.sandbox.providers=" + provider);
    }

    /** With the sandbox refused outright, a service whose tasks need a held provider does not start. */
    public boolean refusesToStart() {
        return mode == Mode.NEVER;
    }
}
