package dev.batchpipe.realtime;

import dev.batchpipe.Config;
import dev.batchpipe.StartupException;
import dev.batchpipe.provider.ProviderLimits;
import java.util.Locale;

/**
 * Realtime limits as configured: {@code BATCHPIPE_<PROVIDER>_RPM_<MODEL>} (and {@code _TPM_},
 * {@code _DAILY_REQUESTS_}) for one model, as the enqueued-token quotas name models, else
 * {@code batchpipe.<provider>.rpm} / {@code .tpm} / {@code .daily-requests} ({@code BATCHPIPE_<PROVIDER>_RPM}); 0 = none.
 */
public final class ConfiguredLimits implements RateLimiter.Configured {

    private final Config config;

    public ConfiguredLimits(Config config) {
        this.config = config;
    }

    @Override
    public long limit(String provider, String model, String kind) {
        String variable = "BATCHPIPE_" + ProviderLimits.normalise(provider) + "_" + kind.toUpperCase(Locale.ROOT).replace('-', '_') + "_"
                + ProviderLimits.normalise(model);
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            variable = "batchpipe." + provider + "." + kind;
            value = config.optional(variable).orElse("0");
        }
        try {
            return Long.parseLong(value.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new StartupException("Setting " + variable + " must be a whole number of requests or tokens, not '" + value + "'");
        }
    }
}
