package dev.batchpipe.store;

import dev.batchpipe.StartupException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server batchpipe runs when no BATCHPIPE_DB_URL is given. Its data lives in {@code <dataDir>/postgres}
 * and survives restarts.
 *
 * <p>Several processes on one data dir share one server (a service in one terminal, {@code process} and
 * {@code status} in another): the process holding {@code postgres.owner.lock} runs the server and stops it when it
 * exits; the others read its port from {@code postmaster.pid} and connect. A server left running by an owner killed
 * with -9 is adopted by the next owner, which stops it in turn.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final Duration JOIN_WAIT = Duration.ofSeconds(60);

    private final Path dataDir;
    private final int port;
    private final FileChannel lockChannel;
    private final FileLock ownerLock;
    private final EmbeddedPostgres started;
    private final Long adoptedPid;

    private EmbeddedPostgresServer(Path dataDir, int port, FileChannel lockChannel, FileLock ownerLock,
                                   EmbeddedPostgres started, Long adoptedPid) {
        this.dataDir = dataDir;
        this.port = port;
        this.lockChannel = lockChannel;
        this.ownerLock = ownerLock;
        this.started = started;
        this.adoptedPid = adoptedPid;
    }

    /** Starts the server on {@code baseDir/postgres} on any free port, or joins the one another process runs there. */
    public static EmbeddedPostgresServer startOrJoin(Path baseDir) {
        return startOrJoin(baseDir, 0);
    }

    /**
     * Starts the server on {@code baseDir/postgres}, or joins the one another process runs there. A new server listens
     * on {@code preferredPort} (BATCHPIPE_EMBEDDED_PORT), so that psql and other tools find it at the same place every
     * time, or on a free port when that one is taken (0: always a free port).
     */
    public static EmbeddedPostgresServer startOrJoin(Path baseDir, int preferredPort) {
        Path pgData = baseDir.resolve("postgres").toAbsolutePath().normalize();
        try {
            Files.createDirectories(pgData);
            FileChannel channel = FileChannel.open(baseDir.resolve("postgres.owner.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                int port = waitForRunningServer(pgData)
                        .orElseThrow(() -> new StartupException("Another batchpipe process owns the embedded PostgreSQL in "
                                + pgData + " but it did not become ready within " + JOIN_WAIT.toSeconds() + " s"));
                LOG.info("Joining the embedded PostgreSQL run by another batchpipe process ({}, port {})", pgData, port);
                return new EmbeddedPostgresServer(pgData, port, null, null, null, null);
            }
            Optional<PostmasterPid> orphan = PostmasterPid.read(pgData).filter(PostmasterPid::alive);
            if (orphan.isPresent() && accepts(orphan.get().port())) {
                LOG.info("Adopting the embedded PostgreSQL left running in {} (pid {}, port {})",
                        pgData, orphan.get().pid(), orphan.get().port());
                return new EmbeddedPostgresServer(pgData, orphan.get().port(), channel, lock, null, orphan.get().pid());
            }
            if (orphan.isPresent()) {
                stopProcess(orphan.get().pid());
            }
            ProcessBuilder.Redirect log = ProcessBuilder.Redirect.appendTo(baseDir.resolve("postgres.log").toFile());
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
            if (preferredPort > 0 && free(preferredPort)) {
                builder.setPort(preferredPort);
            } else if (preferredPort > 0) {
                LOG.info("Port {} is taken: the embedded PostgreSQL listens on a free port instead", preferredPort);
            }
            EmbeddedPostgres pg = builder
                    .setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    .setOutputRedirector(log)
                    .setErrorRedirector(log)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    // zonky turns synchronous commit off for tests; a committed row must survive a power cut here
                    .setServerConfig("synchronous_commit", "on")
                    .start();
            return new EmbeddedPostgresServer(pgData, pg.getPort(), channel, lock, pg, null);
        } catch (IOException | RuntimeException e) {
            if (e instanceof StartupException s) {
                throw s;
            }
            throw new StartupException("Cannot start the embedded PostgreSQL in " + pgData + ": " + e.getMessage()
                    + " (see " + baseDir.resolve("postgres.log") + ")", e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    public int port() {
        return port;
    }

    public Path dataDirectory() {
        return dataDir;
    }

    /** True when this process runs (and will stop) the server. */
    public boolean owner() {
        return ownerLock != null;
    }

    @Override
    public void close() {
        try {
            if (started != null) {
                started.close();
            } else if (adoptedPid != null) {
                stopProcess(adoptedPid);
            }
        } catch (IOException e) {
            LOG.warn("Stopping the embedded PostgreSQL failed: {}", e.getMessage());
        } finally {
            try {
                if (ownerLock != null) {
                    ownerLock.release();
                    lockChannel.close();
                }
            } catch (IOException e) {
                LOG.debug("Releasing the owner lock failed", e);
            }
        }
    }

    private static Optional<Integer> waitForRunningServer(Path pgData) {
        long deadline = System.nanoTime() + JOIN_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<PostmasterPid> pid = PostmasterPid.read(pgData).filter(PostmasterPid::alive);
            if (pid.isPresent() && pid.get().ready() && accepts(pid.get().port())) {
                return Optional.of(pid.get().port());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static boolean free(int port) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.bind(new InetSocketAddress("localhost", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("localhost", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Fast shutdown (SIGINT): open transactions roll back, which our state machine is built to survive. */
    private static void stopProcess(long pid) throws IOException {
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).inheritIO().start().waitFor();
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isPresent()) {
                handle.get().onExit().get(60, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IOException("could not stop PostgreSQL process " + pid + ": " + e.getMessage(), e);
        }
    }

    /** The first lines of PostgreSQL's postmaster.pid: pid, data dir, start time, port, socket dir, host, shmem, status. */
    record PostmasterPid(long pid, int port, boolean ready) {

        static Optional<PostmasterPid> read(Path pgData) {
            Path file = pgData.resolve("postmaster.pid");
            try {
                List<String> lines = Files.readAllLines(file);
                if (lines.size() < 4) {
                    return Optional.empty();
                }
                boolean ready = lines.size() >= 8 && lines.get(7).trim().equals("ready");
                return Optional.of(new PostmasterPid(Long.parseLong(lines.get(0).trim()),
                        Integer.parseInt(lines.get(3).trim()), ready));
            } catch (IOException | NumberFormatException e) {
                return Optional.empty();
            }
        }

        /** Alive and really a postgres process: a stale pid file may name a pid the OS has since reused. */
        boolean alive() {
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .flatMap(h -> h.info().command())
                    .map(cmd -> cmd.endsWith("postgres"))
                    .orElse(false);
        }
    }
}
