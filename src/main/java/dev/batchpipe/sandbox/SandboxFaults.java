package dev.batchpipe.sandbox;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.EnumMap;
import java.util.Map;

/**
 * The mutable fault and quota knobs of a running sandbox, one {@link ProviderFaults} per provider. Thread-safe; the
 * admin endpoint {@code /sandbox/faults} reads and updates the same object.
 */
public final class SandboxFaults {

    private final Map<Provider, ProviderFaults> byProvider = new EnumMap<>(Provider.class);

    SandboxFaults() {
        for (Provider p : Provider.values()) {
            byProvider.put(p, new ProviderFaults());
        }
    }

    public ProviderFaults of(Provider provider) {
        return byProvider.get(provider);
    }

    @JsonProperty("openai")
    public ProviderFaults openAi() {
        return of(Provider.OPENAI);
    }

    @JsonProperty("anthropic")
    public ProviderFaults anthropic() {
        return of(Provider.ANTHROPIC);
    }

    @JsonProperty("gemini")
    public ProviderFaults gemini() {
        return of(Provider.GEMINI);
    }

    /** Turns every fault and quota of every provider off. */
    public void reset() {
        byProvider.values().forEach(ProviderFaults::reset);
    }
}
