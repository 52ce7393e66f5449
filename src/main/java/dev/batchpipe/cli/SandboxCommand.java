package dev.batchpipe.cli;

import dev.batchpipe.StartupException;
import dev.batchpipe.sandbox.Sandbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = {"Runs the provider sandbox: an emulator of the OpenAI, Anthropic and Gemini batch, file and "
                + "realtime APIs on simulated time, with fault injection and introspection under /sandbox.",
                "Prints one line with the base URLs, then serves until Ctrl-C or SIGTERM. See docs/sandbox.md."})
public final class SandboxCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "9090", description = "Port, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", description = "Keeps files and batch state here across restarts "
            + "(default: a temporary directory deleted on exit).")
    Path dataDir;

    @Option(names = "--speed", defaultValue = "1", description = "Simulated seconds per real second "
            + "(default: ${DEFAULT-VALUE}).")
    double speed;

    @Option(names = "--tokens-per-second", defaultValue = "20000", description = "Simulated batch throughput of "
            + "each provider, shared by its running batches (default: ${DEFAULT-VALUE}).")
    long tokensPerSecond;

    @Option(names = "--completion-window", defaultValue = "24h", description = "Simulated time before an "
            + "unfinished batch expires, e.g. 24h, 90m, 30s (default: ${DEFAULT-VALUE}).")
    String completionWindow;

    @Option(names = "--stage-delay", defaultValue = "2s", description = "Simulated time spent validating, "
            + "finalizing and cancelling (default: ${DEFAULT-VALUE}).")
    String stageDelay;

    @Option(names = "--api-key", description = "Accept only this key (default: any non-empty key).")
    String apiKey;

    @Option(names = "--token-factor", defaultValue = "1", description = "A factor on its count of prompt tokens "
            + "(default: ${DEFAULT-VALUE}).")
    double tokenFactor;

    @Option(names = "--count-as-sent", description = "Count the whole request as sent (schema, framing), and only "
            + "prompt tokens against enqueued-token quotas, as a real provider does.")
    boolean countAsSent;

    @Override
    public Integer call() throws InterruptedException {
        Duration window = duration(completionWindow, "--completion-window");
        Duration delay = duration(stageDelay, "--stage-delay");
        Sandbox server;
        try {
            server = Sandbox.serve(host, port, dataDir, speed, tokensPerSecond, window, delay, apiKey, tokenFactor,
                    countAsSent);
        } catch (RuntimeException e) { // a setting out of range, or the port taken
            throw new StartupException("sandbox: " + e.getMessage(), e);
        }
        CountDownLatch stop = new CountDownLatch(1);
        // handled here rather than by a shutdown hook so the server closes in order and the process exits 0
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        System.out.println("sandbox ready: openai=" + server.openAiBaseUrl() + " anthropic=" + server.anthropicBaseUrl()
                + " gemini=" + server.geminiBaseUrl() + " admin=" + server.baseUrl() + "/sandbox data="
                + server.dataDir());
        System.out.flush();
        try {
            stop.await();
        } finally {
            server.close();
        }
        return ExitCodes.OK;
    }

    /** {@code 24h}, {@code 90m}, {@code 30s}, {@code 500ms}, or ISO-8601 ({@code PT24H}). */
    static Duration duration(String text, String option) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 'd' -> Duration.ofDays(n);
                case 'h' -> Duration.ofHours(n);
                case 'm' -> Duration.ofMinutes(n);
                case 's' -> Duration.ofSeconds(n);
                default -> throw new IllegalArgumentException(option);
            };
        } catch (RuntimeException e) {
            throw new StartupException(option + " takes a duration such as 24h, 90m, 30s or 500ms, not '" + text + "'");
        }
    }
}
