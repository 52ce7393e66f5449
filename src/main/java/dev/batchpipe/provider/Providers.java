package dev.batchpipe.provider;

import dev.batchpipe.Config;
import dev.batchpipe.StartupException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
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
    private final Map<String, String> holds = new LinkedHashMap<>();

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

    /** The provider's Files API, for videos: only Gemini has one. */
    public MediaFiles mediaFiles(String name) {
        if (get(name) instanceof MediaFiles files) {
            return files;
        }
        throw new IllegalArgumentException("provider " + name + " takes no video");
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

    /**
     * Why a request for {@code endpoint} cannot go to {@code provider} (an embedding to a provider without an
     * embeddings API), or empty; an unknown provider is not this check's business.
     */
    public Optional<String> refusal(String provider, String endpoint) {
        BatchProvider p = providers.get(provider);
        return p != null && BatchRequest.EMBEDDINGS.equals(endpoint) && !p.embeds()
                ? Optional.of(noEmbeddings(provider)) : Optional.empty();
    }

    static String noEmbeddings(String provider) {
        return provider + " has no embeddings API: send embedding requests to openai, azure or gemini";
    }

    public boolean sandboxed(String provider) {
        return sandboxed.getOrDefault(provider, false) && !holds.containsKey(provider);
    }

    /** Keyless providers the sandbox may not answer ({@link SandboxPolicy}), each with why its requests wait. */
    public Map<String, String> holds() {
        return Collections.unmodifiableMap(holds);
    }

    /**
     * Builds the providers from {@code batchpipe.<provider>.*} settings: openai, anthropic, gemini and azure always
     * (answered by the sandbox when their key is unset, or held when {@code policy} says it may not), openai-compatible
     * only when its base URL is set.
     * {@code installationTag} qualifies Anthropic's custom ids (see {@link AnthropicBatchProvider}); every adapter
     * sends through {@code http}.
     */
    public static Providers fromConfig(Config config, Supplier<String> sandboxBaseUrl, String installationTag,
                                       SandboxPolicy policy, ProviderHttp http) {
        Providers providers = new Providers();
        List<String> sandboxed = new ArrayList<>();
        // a provider without a key is answered by the sandbox, or held when the policy says the sandbox may not
        BiConsumer<String, String> keyless = (provider, keyVariable) -> policy.hold(provider, keyVariable)
                .ifPresentOrElse(reason -> providers.holds.put(provider, reason),
                        () -> sandboxed.add(provider + " (" + keyVariable + ")"));

        Access openai = Access.of(config, "openai", "OPENAI_API_KEY", sandboxBaseUrl, "/v1", keyless);
        providers.register(new OpenAiBatchProvider(new OpenAiBatchProvider.Settings("openai",
                openai.baseUrl(config.string("batchpipe.openai.base-url")), openai.apiKey(),
                OpenAiBatchProvider.Auth.BEARER, null, false,
                config.optional("batchpipe.openai.organization").orElse(null),
                config.optional("batchpipe.openai.project").orElse(null),
                config.string("batchpipe.openai.completion-window"),
                limits(config, "openai"), true), http),
                config.string("batchpipe.openai.default-model"), openai.sandbox());

        Access anthropic = Access.of(config, "anthropic", "ANTHROPIC_API_KEY", sandboxBaseUrl, "", keyless);
        providers.register(new AnthropicBatchProvider(new AnthropicBatchProvider.Settings(
                anthropic.baseUrl(config.string("batchpipe.anthropic.base-url")),
                anthropic.apiKey(), installationTag + "-", limits(config, "anthropic")), http),
                config.string("batchpipe.anthropic.default-model"), anthropic.sandbox());

        Access gemini = Access.of(config, "gemini", "GEMINI_API_KEY", sandboxBaseUrl, "", keyless);
        providers.register(new GeminiBatchProvider(new GeminiBatchProvider.Settings(
                gemini.baseUrl(config.string("batchpipe.gemini.base-url")),
                gemini.apiKey(), config.longValue("batchpipe.gemini.inline-max-bytes"),
                limits(config, "gemini")), http),
                config.string("batchpipe.gemini.default-model"), gemini.sandbox());

        Access azure = Access.of(config, "azure", "AZURE_OPENAI_API_KEY", sandboxBaseUrl, "/openai", keyless);
        // the resource endpoint (https://<resource>.openai.azure.com), as Azure's SDKs take it
        String azureBase = config.optional("batchpipe.azure.endpoint").map(e -> trimSlash(e) + "/openai").orElse(null);
        if (!azure.sandbox() && azureBase == null) {
            throw new StartupException("AZURE_OPENAI_ENDPOINT must be set with AZURE_OPENAI_API_KEY");
        }
        providers.register(new OpenAiBatchProvider(new OpenAiBatchProvider.Settings("azure",
                azure.baseUrl(azureBase), azure.apiKey(),
                OpenAiBatchProvider.Auth.API_KEY_HEADER,
                config.optional("batchpipe.azure.api-version").orElse(null), true, null, null,
                config.string("batchpipe.azure.completion-window"),
                limits(config, "azure"), true), http),
                config.string("batchpipe.azure.default-model"), azure.sandbox());

        Optional<String> compatibleBase = config.optional("batchpipe.openai-compatible.base-url").map(Providers::trimSlash);
        if (compatibleBase.isPresent()) {
            String key = compatible(config, "api-key", "BATCHPIPE_OPENAI_COMPATIBLE_API_KEY");
            providers.register(new OpenAiBatchProvider(new OpenAiBatchProvider.Settings("openai-compatible",
                    compatibleBase::get, () -> key, OpenAiBatchProvider.Auth.BEARER, null, false, null, null,
                    config.string("batchpipe.openai-compatible.completion-window"),
                    limits(config, "openai-compatible"),
                    Boolean.parseBoolean(config.string("batchpipe.openai-compatible.embeddings"))), http),
                    compatible(config, "default-model", "BATCHPIPE_OPENAI_COMPATIBLE_MODEL"), false);
        }

        if (!sandboxed.isEmpty()) {
            LOG.info("No API key for {}: the built-in sandbox answers {} (results are synthetic)",
                    String.join(", ", sandboxed), sandboxed.size() == 1 ? "it" : "them");
        }
        return providers;
    }

    /**
     * Where a provider is reached and with which key: its own when the key is set, else the sandbox's (whose URL is
     * only asked for, and the sandbox only started, on first use).
     */
    private record Access(Optional<String> key, Supplier<String> sandboxUrl) {

        static Access of(Config config, String provider, String keyVariable, Supplier<String> sandboxBaseUrl,
                         String sandboxPath, BiConsumer<String, String> keyless) {
            Optional<String> key = config.optional("batchpipe." + provider + ".api-key");
            if (key.isEmpty()) {
                keyless.accept(provider, keyVariable);
            }
            return new Access(key, () -> {
                try {
                    return sandboxBaseUrl.get() + sandboxPath;
                } catch (UncheckedIOException e) { // the sandbox cannot be started or reached for now: try later
                    throw new ProviderException(0, "sandbox", e.getMessage(), true, e);
                }
            });
        }

        boolean sandbox() {
            return key.isEmpty();
        }

        Supplier<String> baseUrl(String configured) {
            if (sandbox()) {
                return sandboxUrl;
            }
            String base = trimSlash(configured);
            return () -> base;
        }

        Supplier<String> apiKey() {
            String k = key.orElse("sandbox");
            return () -> k;
        }
    }

    /** A setting an OpenAI-compatible provider cannot do without. */
    private static String compatible(Config config, String setting, String variable) {
        return config.optional("batchpipe.openai-compatible." + setting).orElseThrow(() -> new StartupException(
                variable + " must be set with BATCHPIPE_OPENAI_COMPATIBLE_BASE_URL"));
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
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
                config.integer("batchpipe." + provider + ".max-requests-per-batch"),
                config.longValue("batchpipe." + provider + ".max-batch-bytes"),
                Map.copyOf(perModel),
                config.longValue("batchpipe." + provider + ".enqueued-tokens"),
                config.integer("batchpipe." + provider + ".max-queued-requests"));
    }

    private static long parseLong(String key, String value) {
        try {
            return Long.parseLong(value.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new StartupException("Setting " + key + " must be a whole number of tokens, not '" + value + "'");
        }
    }
}
