package dev.batchpipe.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.camel.Service;

/**
 * The provider sandbox as the rest of batchpipe sees it: a base URL that answers the OpenAI, Anthropic and Gemini
 * batch protocols, and a way to stop it. This is the package's only public way in for main code; everything else
 * in it is the emulator's inside (tests may reach {@link SandboxServer} for faults and counters).
 */
public interface Sandbox extends Service {

    /**
     * The sandbox of a batchpipe data dir: started in this process on first use of {@link #baseUrl()}, or joined
     * when another batchpipe process on the same {@code dir} already runs it, and taken over when that one exits.
     *
     * @param speed           simulated seconds per real second
     * @param tokensPerSecond simulated batch throughput of each provider
     * @param tokenFactor     a factor on its count of prompt tokens (1: its own count)
     * @param countAsSent     count the whole request as sent, as a real provider does ({@link TokenCounting})
     */
    static Sandbox sharedIn(Path dir, double speed, long tokensPerSecond, double tokenFactor, boolean countAsSent) {
        return new SharedSandbox(dir, SandboxConfig.builder().speed(speed).tokensPerSecond(tokensPerSecond)
                .counting(new TokenCounting(tokenFactor, countAsSent)).build());
    }

    /**
     * A sandbox listening now on {@code host:port} (0 = a free port), keeping its state in {@code dataDir} (null = a
     * temporary directory deleted on stop); {@code apiKey} null accepts any key; {@code tokenFactor} and
     * {@code countAsSent} say how it counts prompt tokens ({@link TokenCounting}).
     *
     * @throws IllegalArgumentException for a setting out of range
     * @throws IllegalStateException    when it cannot listen
     */
    static Sandbox serve(String host, int port, Path dataDir, double speed, long tokensPerSecond,
                         Duration completionWindow, Duration stageDelay, String apiKey, double tokenFactor,
                         boolean countAsSent) {
        return SandboxServer.start(SandboxConfig.builder().host(host).port(port).dataDir(dataDir).speed(speed)
                .tokensPerSecond(tokensPerSecond).completionWindow(completionWindow).stageDelay(stageDelay)
                .apiKey(apiKey).counting(new TokenCounting(tokenFactor, countAsSent)).build());
    }

    /**
     * The embedding the sandbox answers for one input {@code text} to {@code model} with {@code dimensions} values, in
     * every protocol and in batch and realtime alike (a unit vector seeded by a SHA-256 of model and text): what a
     * test expects to find stored.
     */
    static float[] embedding(String model, String text, int dimensions) {
        return Answers.vector(model, text, dimensions);
    }

    /**
     * {@code http://host:port} of the running sandbox, starting it (or taking it over) when needed.
     *
     * @throws java.io.UncheckedIOException when no sandbox can be started or reached for now
     */
    String baseUrl();

    /** Base URL for OpenAI clients (what {@code OPENAI_BASE_URL} takes): {@code baseUrl() + "/v1"}. */
    default String openAiBaseUrl() {
        return baseUrl() + "/v1";
    }

    /** Base URL for Anthropic clients ({@code ANTHROPIC_BASE_URL}). */
    default String anthropicBaseUrl() {
        return baseUrl();
    }

    /** Base URL for Gemini clients (paths start with {@code /v1beta}, {@code /upload/v1beta}, …). */
    default String geminiBaseUrl() {
        return baseUrl();
    }

    /** Where the sandbox keeps its files and batch state. */
    Path dataDir();

    /** Stops it; batch state stays in {@link #dataDir()} for the next start (unless that was temporary). */
    @Override
    void stop();

    @Override
    default void close() {
        stop();
    }
}
