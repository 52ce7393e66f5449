package dev.batchpipe.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data directory: {@code files/} holds uploads and their metadata, {@code batches/} one JSON per batch plus its
 * request and result JSONL, {@code tmp/} bodies while they stream in. Contents always live on disk; only the small
 * metadata records are indexed in memory.
 */
final class DataDirectory implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DataDirectory.class);

    private final Path root;
    private final boolean temporary;
    private final Map<String, FileRecord> files = new ConcurrentHashMap<>();

    DataDirectory(Path dataDir) {
        try {
            this.temporary = dataDir == null;
            this.root = temporary ? Files.createTempDirectory("batchpipe-sandbox-") : dataDir.toAbsolutePath();
            Files.createDirectories(root.resolve("files"));
            Files.createDirectories(root.resolve("batches"));
            Files.createDirectories(root.resolve("tmp"));
            cleanTmp();
            loadFiles();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use sandbox data directory " + dataDir, e);
        }
    }

    Path root() {
        return root;
    }

    Path resolve(String relative) {
        return root.resolve(relative);
    }

    /** A fresh path for a body that is streaming in. */
    Path tmpFile(String prefix) {
        return root.resolve("tmp").resolve(prefix + "-" + Ids.uploadSession());
    }

    /** Where a new upload's content goes, relative to the root. */
    String newDataFile(String id) {
        return "files/" + safe(id) + ".data";
    }

    /** Relative paths of a batch's own files: {@code kind} is requests, output or errors. */
    String batchFile(String batchId, String kind) {
        return "batches/" + safe(batchId) + "." + kind + ".jsonl";
    }

    /** Moves a streamed body into place and registers the file. */
    FileRecord addFile(FileRecord record, Path content) throws IOException {
        move(content, resolve(record.dataFile));
        saveFile(record);
        return record;
    }

    void saveFile(FileRecord record) throws IOException {
        writeJson(root.resolve("files").resolve(safe(record.id) + ".json"), record);
        files.put(record.id, record);
    }

    Optional<FileRecord> file(String id) {
        return Optional.ofNullable(files.get(id));
    }

    /** One provider's files, newest first. */
    List<FileRecord> files(Provider provider) {
        return files.values().stream().filter(f -> f.provider == provider)
                .sorted(Comparator.comparingLong((FileRecord f) -> f.createdAt).reversed()
                        .thenComparing(f -> f.id)).toList();
    }

    /** Forgets a file; its content goes too unless {@code withContent} is false or a batch owns it. */
    boolean deleteFile(String id, boolean withContent) throws IOException {
        FileRecord f = files.remove(id);
        if (f == null) {
            return false;
        }
        Files.deleteIfExists(root.resolve("files").resolve(safe(id) + ".json"));
        // a batch's output file is also read through the batch; keep its content
        if (withContent && f.dataFile.startsWith("files/")) {
            Files.deleteIfExists(resolve(f.dataFile));
        }
        return true;
    }

    void saveBatch(BatchRecord batch) {
        try {
            writeJson(root.resolve("batches").resolve(safe(batch.id) + ".json"), batch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist batch " + batch.id, e);
        }
    }

    /** Removes a batch's state and its own files; results published as file objects stay with those. */
    void deleteBatch(BatchRecord batch) throws IOException {
        Files.deleteIfExists(root.resolve("batches").resolve(safe(batch.id) + ".json"));
        deleteOwned(batch.requestsFile);
        if (batch.outputFileId == null) {
            deleteOwned(batch.outputFile);
        }
        if (batch.errorFileId == null) {
            deleteOwned(batch.errorFile);
        }
    }

    private void deleteOwned(String relative) throws IOException {
        if (relative != null && relative.startsWith("batches/")) {
            Files.deleteIfExists(resolve(relative));
        }
    }

    List<BatchRecord> loadBatches() throws IOException {
        List<BatchRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(root.resolve("batches"), "*.json")) {
            for (Path p : dir) {
                try {
                    out.add(Json.RECORDS.readValue(p.toFile(), BatchRecord.class));
                } catch (IOException e) {
                    LOG.warn("Skipping unreadable batch state {}: {}", p, e.getMessage());
                }
            }
        }
        return out;
    }

    private void loadFiles() throws IOException {
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(root.resolve("files"), "*.json")) {
            for (Path p : dir) {
                try {
                    FileRecord f = Json.RECORDS.readValue(p.toFile(), FileRecord.class);
                    files.put(f.id, f);
                } catch (IOException e) {
                    LOG.warn("Skipping unreadable file metadata {}: {}", p, e.getMessage());
                }
            }
        }
    }

    /** Bodies that were streaming in when the process stopped can never complete. */
    private void cleanTmp() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("tmp"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Write-then-rename, so a crash leaves either the old or the new state, never half a file. */
    private static void writeJson(Path target, Object value) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Json.RECORDS.writeValue(tmp.toFile(), value);
        move(tmp, target);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static String safe(String id) {
        return id.replace('/', '_');
    }

    @Override
    public void close() {
        if (!temporary) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Could not delete sandbox temp dir {}: {}", root, e.getMessage());
        }
    }
}
