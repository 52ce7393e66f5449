package dev.batchpipe.provider;

import java.time.Duration;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A small camel-main application per test class with the provider HTTP route and its beans, configured as the shipped
 * application.properties configures them, with the test's retry settings: what adapters send through outside the
 * pipeline.
 */
public final class ProviderCamel implements BeforeAllCallback, AfterAllCallback {

    private final Map<String, String> settings;
    private Main main;
    private ProviderHttp http;

    /** Retries of {@code attempts} calls in all, from {@code baseDelay} doubling up to {@code maxDelay}. */
    public ProviderCamel(int attempts, Duration baseDelay, Duration maxDelay) {
        this.settings = Map.of(
                "batchpipe.http-retry.attempts", String.valueOf(attempts),
                "batchpipe.http-retry.base-delay", baseDelay.toMillis() + "ms",
                "batchpipe.http-retry.max-delay", maxDelay.toMillis() + "ms");
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        main = new Main();
        main.addOverrideProperty("camel.main.routes-include-pattern", "classpath:routes/provider-http.camel.yaml");
        main.addOverrideProperty("camel.server.enabled", "false");
        main.addOverrideProperty("camel.management.enabled", "false");
        settings.forEach(main::addOverrideProperty);
        main.start();
        http = new ProviderHttp(main.getCamelContext().createProducerTemplate());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        main.stop();
    }

    public ProviderHttp http() {
        return http;
    }

    CamelContext context() {
        return main.getCamelContext();
    }
}
