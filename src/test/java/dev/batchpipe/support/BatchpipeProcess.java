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
        cmd.addAll(SharedClasses.OPTIONS);
        cmd.addAll(List.of("-cp", SharedClasses.CLASS_PATH, "dev.batchpipe.Batchpipe"));
        cmd.addAll(List.of(args));
        return launch(cmd, workDir, env);
    }

    private static BatchpipeProcess launch(List<String> cmd, Path workDir, Map<String, String> env) throws IOException {
        Files.createDirectories(workDir);
        Path out = Files.createTempFile(workDir, "batchpipe-", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("BATCHPIPE_") || k.endsWith("_API_KEY"));
        pb.environment().putAll(env);
        return new BatchpipeProcess(pb.start(), out);
    }

    /**
     * Class data sharing for the children: the classes a service start loads, archived once per test JVM by one child
     * {@code run} (started, answered its health check, stopped), then mapped by every later child instead of parsed and
     * verified again; that halves the CPU of a start. An archive takes only jars, so the class directories are jarred
     * first, in class path order. Anything failing on the way leaves the children as they were, without an archive;
     * the archive's own log lines are off, since tests read the children's output.
     */
    private static final class SharedClasses {
        static final List<String> OPTIONS;
        static final String CLASS_PATH;

        static {
            List<String> options = List.of();
            String classPath = System.getProperty("java.class.path");
            try {
                // per test JVM (forks build theirs side by side), gone with it; readable by a child run without
                // root's rights
                Path dir = Files.createDirectories(Path.of("target", "cds", "" + ProcessHandle.current().pid()));
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
                String jars = jarred(classPath, dir);
                Path archive = dir.resolve("batchpipe.jsa");
                Files.deleteIfExists(archive);
                if (dump(jars, archive, dir.resolve("dump"))) {
                    options = List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off");
                    classPath = jars;
                }
            } catch (IOException | RuntimeException | AssertionError e) {
                System.err.println("child processes start without a class data archive: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            OPTIONS = options;
            CLASS_PATH = classPath;
        }

        private static String jarred(String classPath, Path dir) throws IOException {
            List<String> entries = new ArrayList<>();
            for (String entry : classPath.split(java.io.File.pathSeparator)) {
                Path path = Path.of(entry);
                if (!Files.isDirectory(path)) {
                    entries.add(entry);
                    continue;
                }
                Path jar = dir.resolve(entries.size() + "-" + path.getFileName() + ".jar");
                try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
                     var files = Files.walk(path)) {
                    for (Path file : (Iterable<Path>) files.filter(f -> !f.equals(path))::iterator) {
                        String name = path.relativize(file).toString().replace('\\', '/');
                        // directory entries too: Flyway and Camel find sql/ and routes by listing them
                        boolean folder = Files.isDirectory(file);
                        out.putNextEntry(new java.util.jar.JarEntry(folder ? name + "/" : name));
                        if (!folder) {
                            Files.copy(file, out);
                        }
                        out.closeEntry();
                    }
                }
                entries.add(jar.toAbsolutePath().toString());
            }
            return String.join(java.io.File.pathSeparator, entries);
        }

        private static boolean dump(String classPath, Path archive, Path workDir) throws IOException, InterruptedException {
            int port = freePort();
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                    "-XX:TieredStopAtLevel=1", "-XX:ArchiveClassesAtExit=" + archive, "-cp", classPath,
                    "dev.batchpipe.Batchpipe", "run");
            BatchpipeProcess p = launch(cmd, workDir, Map.of("BATCHPIPE_DB_URL", TestDatabase.freshUrl(),
                    "BATCHPIPE_SANDBOX", "true", "BATCHPIPE_HTTP_PORT", "" + port));
            try (p) {
                p.awaitHttp200("http://127.0.0.1:" + port + "/observe/health", Duration.ofSeconds(180));
                p.terminate(); // the archive is written as the JVM exits
                p.waitFor(Duration.ofSeconds(120));
            }
            return Files.isRegularFile(archive);
        }

        private static void delete(Path dir) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                // a test JVM's leftovers in target/ only; the next clean removes them
            }
        }
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
