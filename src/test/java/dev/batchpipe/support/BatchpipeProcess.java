package dev.batchpipe.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * batchpipe as a separate OS process (same classpath as the tests), for what only a real process shows: exit codes,
 * signals, kill -9, two processes on one data dir.
 */
public final class BatchpipeProcess implements AutoCloseable {

    private final Process process;
    private final Path output;

    private BatchpipeProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /**
     * With the client compiler only: the suite starts a few hundred of these, each spending most of its CPU on
     * start-up, where C2 compiles what a short run never repays (half the CPU time of a {@code process --wait}).
     */
    public static BatchpipeProcess start(Path workDir, Map<String, String> env, String... args) throws IOException {
        return start(workDir, List.of("-Xmx512m", "-XX:TieredStopAtLevel=1"), env, args);
    }

    public static BatchpipeProcess start(Path workDir, List<String> jvmOptions, Map<String, String> env, String... args)
            throws IOException {
        return start(List.of(), workDir, jvmOptions, env, args);
    }

    /** Run through {@code launcher} first (e.g. setpriv, to take rights away from a root test run). */
    public static BatchpipeProcess start(List<String> launcher, Path workDir, List<String> jvmOptions,
                                         Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.batchpipe.Batchpipe"));
        cmd.addAll(List.of(args));
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, "batchpipe-", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("BATCHPIPE_") || k.endsWith("_API_KEY"));
        pb.environment().putAll(env);
        return new BatchpipeProcess(pb.start(), out);
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until GET url answers 200, or fails with the process output. */
    public void awaitHttp200(String url, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).build();
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!process.isAlive()) {
                    throw new AssertionError("batchpipe exited with " + process.exitValue() + ":\n" + output());
                }
                try {
                    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException e) {
                    return false; // not listening yet
                }
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no 200 from " + url + " within " + timeout + ":\n" + output(), e);
        }
    }

    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("batchpipe did not exit within " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    public void terminate() {
        process.destroy(); // SIGTERM
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public String output() {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
