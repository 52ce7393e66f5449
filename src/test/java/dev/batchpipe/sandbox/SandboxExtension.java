package dev.batchpipe.sandbox;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One sandbox per test class: started before the first test, reset (counters, received calls, faults) before each,
 * closed after.
 */
public final class SandboxExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

    private final SandboxConfig config;
    private SandboxServer server;

    public SandboxExtension(SandboxConfig.Builder config) {
        this.config = config.build();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = SandboxServer.start(config);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        server.reset();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    public SandboxServer server() {
        return server;
    }

    String baseUrl() {
        return server.baseUrl();
    }

    SandboxStats stats() {
        return server.stats();
    }

    SandboxFaults faults() {
        return server.faults();
    }
}
