package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchpipe.StartupException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the built-in sandbox may answer a provider without a key, and what is said when it may not. */
class SandboxPolicyTest {

    private static final String EXTERNAL = "jdbc:postgresql://db.example.com/prod";

    @Test
    void autoAnswersOnTheEmbeddedDatabaseOnly() {
        assertThat(SandboxPolicy.of("auto", "", "").hold("openai", "OPENAI_API_KEY")).isEmpty();
        assertThat(SandboxPolicy.of("auto", "", "  ").hold("openai", "OPENAI_API_KEY")).isEmpty();
        assertThat(SandboxPolicy.of("auto", "", EXTERNAL).hold("openai", "OPENAI_API_KEY")).contains(
                "openai has no API key (OPENAI_API_KEY is not set); set it, or ask for the built-in sandbox with "
                        + "BATCHPIPE_SANDBOX=true or batchpipe.sandbox.providers=openai");
        assertThat(SandboxPolicy.of("auto", "", EXTERNAL).refusesToStart()).isFalse();
    }

    @Test
    void trueAlwaysAnswersAndFalseNeverDoesAndRefusesToStart() {
        assertThat(SandboxPolicy.of("true", "", EXTERNAL).hold("gemini", "GEMINI_API_KEY")).isEmpty();
        assertThat(SandboxPolicy.of("TRUE", "", EXTERNAL).hold("gemini", "GEMINI_API_KEY")).isEmpty();
        SandboxPolicy never = SandboxPolicy.of("false", "", "");
        assertThat(never.hold("gemini", "GEMINI_API_KEY")).hasValueSatisfying(reason -> assertThat(reason)
                .startsWith("gemini has no API key (GEMINI_API_KEY is not set)")
                .endsWith("batchpipe.sandbox.providers=gemini"));
        assertThat(never.refusesToStart()).isTrue();
    }

    @Test
    void namedProvidersAreAnsweredWhateverTheSetting() {
        SandboxPolicy named = SandboxPolicy.of("false", "openai, gemini", EXTERNAL);
        assertThat(named.hold("openai", "OPENAI_API_KEY")).isEmpty();
        assertThat(named.hold("gemini", "GEMINI_API_KEY")).isEmpty();
        assertThat(named.hold("anthropic", "ANTHROPIC_API_KEY")).isPresent();
        assertThat(SandboxPolicy.of("auto", "anthropic", EXTERNAL).hold("anthropic", "ANTHROPIC_API_KEY")).isEmpty();
    }

    @Test
    void aHeldProviderIsRegisteredButNotSandboxedAndSaysWhy() {
        Providers p = Providers.fromConfig(ProvidersTest.config(Map.of("batchpipe.anthropic.api-key", "sk-ant-x")),
                () -> "http://127.0.0.1:1", "bp-0123456789ab", SandboxPolicy.of("auto", "gemini", EXTERNAL),
                ProvidersTest.NO_CALLS);
        assertThat(p.names()).containsExactly("openai", "anthropic", "gemini", "azure");
        assertThat(p.holds()).containsOnlyKeys("openai", "azure");
        assertThat(p.holds().get("azure")).startsWith("azure has no API key (AZURE_OPENAI_API_KEY is not set)");
        assertThat(p.sandboxed("openai")).isFalse();
        assertThat(p.sandboxed("anthropic")).isFalse();
        assertThat(p.sandboxed("gemini")).isTrue();
    }

    @Test
    void anyOtherValueIsAStartupErrorNamingTheSetting() {
        assertThatThrownBy(() -> SandboxPolicy.of("yes", "", "")).isInstanceOf(StartupException.class)
                .hasMessage("BATCHPIPE_SANDBOX (batchpipe.sandbox) must be auto, true or false, not 'yes'");
    }
}
