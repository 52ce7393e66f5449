package dev.batchpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The read-only commands resolve the same settings camel-main would. */
class SettingsFileTest {

    @Test
    void placeholdersResolveToEnvironmentOrDefaultAndSystemPropertiesWin() {
        SettingsFile settings = SettingsFile.load();
        assertThat(settings.get("batchpipe.db.embedded-port"))
                .hasValue(System.getenv().getOrDefault("BATCHPIPE_EMBEDDED_PORT", "54329"));
        // {{env:GEMINI_API_KEY:{{env:GOOGLE_API_KEY:}}}}: nested, and empty when neither is set
        assertThat(settings.get("batchpipe.gemini.api-key")).isEqualTo(java.util.Optional.ofNullable(
                System.getenv("GEMINI_API_KEY") != null ? System.getenv("GEMINI_API_KEY") : System.getenv("GOOGLE_API_KEY"))
                .filter(v -> !v.isBlank()));
        // {{batchpipe.http.host}}: a reference to another key
        assertThat(settings.get("camel.server.host")).isEqualTo(settings.get("batchpipe.http.host"));
        System.setProperty("batchpipe.data-dir", "/tmp/elsewhere");
        try {
            assertThat(settings.get("batchpipe.data-dir")).hasValue("/tmp/elsewhere");
        } finally {
            System.clearProperty("batchpipe.data-dir");
        }
        assertThat(settings.get("batchpipe.no-such-setting")).isEmpty();
    }
}
