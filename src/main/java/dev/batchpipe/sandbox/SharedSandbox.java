package dev.batchpipe.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox of one batchpipe data dir, for providers without an API key: started in-process on first use and
 * shared by every batchpipe process on the same data dir (a service and a CLI command must talk to the same fake
 * provider). The process holding {@code sandbox.lock} runs it and publishes its URL in {@code sandbox.url}; the
 * others use that URL. The sandbox keeps its batches in {@code state/}, so when its owner exits, the next process to
 * need it starts it again and every batch carries on.
 */
final class SharedSandbox implements Sandbox {

    private static final Logger LOG = LoggerFactory.getLogger(SharedSandbox.class);
    private static final long RECHECK_MILLIS = 2000;

    private final Path dir;
    private final SandboxConfig config;
    private SandboxServer own;
    private FileChannel lockChannel;
    private FileLock lock;
    private String joined;
    private long joinedCheckedAt;

    SharedSandbox(Path dir, SandboxConfig config) {
        this.dir = dir;
        this.config = config;
    }

    @Override
    public synchronized String baseUrl() {
        if (own != null) {
            return own.baseUrl();
        }
        // checked at most every RECHECK_MILLIS, and counted from the last check, not the last call: a caller asking
        // more often than that must still notice that the owner has gone
        long now = System.currentTimeMillis();
        if (joined != null && now - joinedCheckedAt < RECHECK_MILLIS) {
            return joined;
        }
        if (joined != null && alive(joined)) {
            joinedCheckedAt = now;
            return joined;
        }
        joined = null;
        try {
            Files.createDirectories(dir);
            for (int i = 0; i < 50; i++) {
                if (tryToOwn()) {
                    return own.baseUrl();
                }
                String url = readUrl();
                if (url != null && alive(url)) {
                    joined = url;
                    joinedCheckedAt = System.currentTimeMillis();
                    LOG.info("Using the sandbox run by another batchpipe process at {}", url);
                    return url;
                }
                Thread.sleep(200); // its owner is starting it
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the sandbox in " + dir + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new UncheckedIOException("the sandbox in " + dir + " is owned by another process that does not answer",
                new ConnectException("no sandbox answers at the URL in " + dir.resolve("sandbox.url")));
    }

    private boolean tryToOwn() throws IOException {
        FileChannel channel = FileChannel.open(dir.resolve("sandbox.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l = channel.tryLock();
        if (l == null) {
            channel.close();
            return false;
        }
        lockChannel = channel;
        lock = l;
        own = SandboxServer.start(config.toBuilder().dataDir(dataDir()).build());
        Files.writeString(dir.resolve("sandbox.url"), own.baseUrl(), StandardCharsets.UTF_8);
        LOG.info("Sandbox provider running at {}: answers are synthetic (set the provider's API key for real results)",
                own.baseUrl());
        return true;
    }

    private String readUrl() {
        try {
            return Files.readString(dir.resolve("sandbox.url"), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean alive(String url) {
        URI uri = URI.create(url);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Path dataDir() {
        return dir.resolve("state");
    }

    @Override
    public void start() {
        // started on first use: commands that never call a provider never start it
    }

    @Override
    public synchronized void stop() {
        if (own != null) {
            own.close();
            own = null;
            try {
                Files.deleteIfExists(dir.resolve("sandbox.url"));
                lock.release();
                lockChannel.close();
            } catch (IOException e) {
                LOG.debug("releasing the sandbox lock failed", e);
            }
        }
    }
}
