package dev.batchpipe.provider;

import dev.batchpipe.Config;
import dev.batchpipe.StartupException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured providers by name. A provider without an API key is answered by the built-in sandbox, whose base
 * URL is only resolved (and the sandbox only started) when the provider is first used.
 */
public final class Providers {

    private static final Logger LOG = LoggerFactory.getLogger(Providers.class);

    private final Map<String, BatchProvider> providers = new LinkedHashMap<>();
    private final Map<String, String> defaultModels = new LinkedHashMap<>();
    private final Map<String, Boolean> sandboxed = new LinkedHashMap<>();

    public void register(BatchProvider provider, String defaultModel, boolean sandbox) {
        providers.put(provider.name(), provider);
        defaultModels.put(provider.name(), defaultModel);
        sandboxed.put(provider.name(), sandbox);
    }

    public BatchProvider get(String name) {
        BatchProvider p = providers.get(name);
        if (p == null) {
            throw new StartupException("Unknown provider '" + name + "' (configured: " + String.join(", ", names()) + ")");
        }
        return p;
    }

    public boolean has(String name) {
        return providers.containsKey(name);
    }

    public Set<String> names() {
        return providers.keySet();
    }

    public String defaultModel(String provider) {
        get(provider);
        return defaultModels.get(provider);
    }

    public boolean sandboxed(String provider) {
        return sandboxed.getOrDefault(provider, false);
    }

    /** Builds the providers from {@code batchpipe.<provider>.*} settings. */
    public static Providers fromConfig(Config config, Supplier<String> sandboxBaseUrl) {
        Providers providers = new Providers();
        ProviderHttp.Retry retry = new ProviderHttp.Retry(
                config.integer("batchpipe.http-retry.attempts", 6),
                config.duration("batchpipe.http-retry.base-delay", Duration.ofSeconds(1)),
                config.duration("batchpipe.http-retry.max-delay", Duration.ofSeconds(60)),
                false);

        String key = config.optional("batchpipe.openai.api-key").orElse(null);
        boolean sandbox = key == null;
        String baseUrl = config.string("batchpipe.openai.base-url", "https://api.openai.com/v1");
        providers.register(new OpenAiBatchProvider(new OpenAiBatchProvider.Settings(
                "openai",
                sandbox ? () -> sandboxBaseUrl.get() + "/v1" : () -> baseUrl,
                sandbox ? () -> "sandbox" : () -> key,
                OpenAiBatchProvider.Auth.BEARER,
                null,
                false,
                config.optional("batchpipe.openai.organization").orElse(null),
                config.optional("batchpipe.openai.project").orElse(null),
                config.string("batchpipe.openai.completion-window", "24h"),
                limits(config, "openai")), retry),
                config.string("batchpipe.openai.default-model", "gpt-4o-mini"), sandbox);
        if (sandbox) {
            LOG.info("openai: no OPENAI_API_KEY set, the built-in sandbox answers (results are synthetic)");
        }
        return providers;
    }

    /**
     * Limits per provider from settings, plus enqueued-token quotas per model from
     * {@code BATCHPIPE_<PROVIDER>_ENQUEUED_TOKENS_<MODEL>} env vars or {@code batchpipe.<provider>.enqueued-tokens.<model>}.
     */
    static ProviderLimits limits(Config config, String provider) {
        Map<String, Long> perModel = new LinkedHashMap<>();
        String envPrefix = "BATCHPIPE_" + ProviderLimits.normalise(provider) + "_ENQUEUED_TOKENS_";
        System.getenv().forEach((k, v) -> {
            if (k.startsWith(envPrefix) && !v.isBlank()) {
                perModel.put(k.substring(envPrefix.length()), parseLong(k, v));
            }
        });
        String propPrefix = "batchpipe." + provider + ".enqueued-tokens.";
        config.withPrefix(propPrefix).forEach((k, v) ->
                perModel.putIfAbsent(ProviderLimits.normalise(k), parseLong(propPrefix + k, v)));
        return new ProviderLimits(
                config.integer("batchpipe." + provider + ".max-requests-per-batch", 50_000),
                config.longValue("batchpipe." + provider + ".max-batch-bytes", 200L * 1000 * 1000),
                Map.copyOf(perModel),
                config.longValue("batchpipe." + provider + ".enqueued-tokens", 0),
                config.integer("batchpipe." + provider + ".max-queued-requests", 0));
    }

    private static long parseLong(String key, String value) {
        try {
            return Long.parseLong(value.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new StartupException("Setting " + key + " must be a whole number of tokens, not '" + value + "'");
        }
    }
}
