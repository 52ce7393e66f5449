package dev.batchpipe.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Start-up settings of a {@link SandboxServer}. Durations named "simulated" are measured on the sandbox's simulated
 * clock, which runs {@code speed} times faster than the wall clock; everything the providers report (timestamps,
 * {@code expires_at}) stays on the wall clock so a client's own clock comparisons hold.
 *
 * @param host              interface to bind, 127.0.0.1 by default
 * @param port              port to bind, 0 picks a free one
 * @param dataDir           where files and batch state live; null means a temporary directory deleted on close
 * @param speed             simulated seconds per real second (1 = real time, 1000 = a 24 h window lasts 86 s)
 * @param tokensPerSecond   simulated processing throughput of ONE provider, shared by its in-flight batches
 * @param completionWindow  simulated time after which an unfinished batch expires
 * @param stageDelay        simulated time spent in each short stage (validating, finalizing, cancelling)
 * @param tickInterval      real time between two steps of the batch engine
 * @param apiKey            when set, the only key accepted by every provider; otherwise any non-empty key is
 * @param openAiMaxFileBytes largest OpenAI upload (the batch input limit is 200 MB)
 * @param openAiMaxRequests  most lines in one OpenAI batch input file
 * @param anthropicMaxRequests most requests in one Anthropic batch
 * @param anthropicMaxBytes  largest Anthropic batch create body
 * @param counting          how the sandbox counts a request's prompt tokens (usage, quota, throughput): by default
 *                          its prompt text only; tests make it count the way a real provider does
 */
public record SandboxConfig(
        String host,
        int port,
        Path dataDir,
        double speed,
        long tokensPerSecond,
        Duration completionWindow,
        Duration stageDelay,
        Duration tickInterval,
        String apiKey,
        long openAiMaxFileBytes,
        int openAiMaxRequests,
        int anthropicMaxRequests,
        long anthropicMaxBytes,
        TokenCounting counting) {

    public static final long MB = 1024L * 1024L;

    public SandboxConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(completionWindow, "completionWindow");
        Objects.requireNonNull(stageDelay, "stageDelay");
        Objects.requireNonNull(tickInterval, "tickInterval");
        Objects.requireNonNull(counting, "counting");
        require(port >= 0 && port <= 65535, "port must be 0..65535");
        require(speed > 0 && Double.isFinite(speed), "speed must be a positive number");
        require(tokensPerSecond > 0, "tokensPerSecond must be positive");
        require(!completionWindow.isNegative() && !completionWindow.isZero(), "completionWindow must be positive");
        require(!stageDelay.isNegative(), "stageDelay must not be negative");
        require(tickInterval.toMillis() >= 1, "tickInterval must be at least 1 ms");
        require(openAiMaxFileBytes > 0 && openAiMaxRequests > 0, "OpenAI limits must be positive");
        require(anthropicMaxBytes > 0 && anthropicMaxRequests > 0, "Anthropic limits must be positive");
        if (apiKey != null && apiKey.isBlank()) {
            apiKey = null;
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** All defaults: a free port on 127.0.0.1, a temporary data directory, real time. */
    public static SandboxConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder seeded with this configuration, for variations in tests. */
    public Builder toBuilder() {
        return new Builder().host(host).port(port).dataDir(dataDir).speed(speed).tokensPerSecond(tokensPerSecond)
                .completionWindow(completionWindow).stageDelay(stageDelay).tickInterval(tickInterval).apiKey(apiKey)
                .openAiMaxFileBytes(openAiMaxFileBytes).openAiMaxRequests(openAiMaxRequests)
                .anthropicMaxRequests(anthropicMaxRequests).anthropicMaxBytes(anthropicMaxBytes).counting(counting);
    }

    /** Real milliseconds that the given simulated duration lasts at this speed. */
    long realMillis(Duration simulated) {
        return Math.round(simulated.toMillis() / speed);
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port;
        private Path dataDir;
        private double speed = 1.0;
        private long tokensPerSecond = 20_000;
        private Duration completionWindow = Duration.ofHours(24);
        private Duration stageDelay = Duration.ofSeconds(2);
        private Duration tickInterval = Duration.ofMillis(50);
        private String apiKey;
        private long openAiMaxFileBytes = 200 * MB;
        private int openAiMaxRequests = 50_000;
        private int anthropicMaxRequests = 100_000;
        private long anthropicMaxBytes = 256 * MB;
        private TokenCounting counting = TokenCounting.PROMPT_TEXT;

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder speed(double speed) {
            this.speed = speed;
            return this;
        }

        public Builder tokensPerSecond(long tokensPerSecond) {
            this.tokensPerSecond = tokensPerSecond;
            return this;
        }

        public Builder completionWindow(Duration completionWindow) {
            this.completionWindow = completionWindow;
            return this;
        }

        public Builder stageDelay(Duration stageDelay) {
            this.stageDelay = stageDelay;
            return this;
        }

        public Builder tickInterval(Duration tickInterval) {
            this.tickInterval = tickInterval;
            return this;
        }

        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        public Builder openAiMaxFileBytes(long bytes) {
            this.openAiMaxFileBytes = bytes;
            return this;
        }

        public Builder openAiMaxRequests(int requests) {
            this.openAiMaxRequests = requests;
            return this;
        }

        public Builder anthropicMaxRequests(int requests) {
            this.anthropicMaxRequests = requests;
            return this;
        }

        public Builder anthropicMaxBytes(long bytes) {
            this.anthropicMaxBytes = bytes;
            return this;
        }

        public Builder counting(TokenCounting counting) {
            this.counting = counting;
            return this;
        }

        public SandboxConfig build() {
            return new SandboxConfig(host, port, dataDir, speed, tokensPerSecond, completionWindow, stageDelay,
                    tickInterval, apiKey, openAiMaxFileBytes, openAiMaxRequests, anthropicMaxRequests,
                    anthropicMaxBytes, counting);
        }
    }
}
