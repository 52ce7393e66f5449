package dev.batchpipe.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.image.ImageData;
import dev.batchpipe.image.ImageSpool;
import dev.batchpipe.provider.BatchProvider;
import dev.batchpipe.provider.Providers;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSONL input file of each batch, in the work folder. Packing writes it aside while it measures the lines, and
 * renames it to {@code batch-<id>.jsonl} before the batch is committed, so submit uploads what packing measured. Only
 * when that file is missing (a lost work folder, say) is it rebuilt from the database; rendering is deterministic, so
 * the rebuilt file is the same.
 */
public final class BatchFiles {

    private static final Logger LOG = LoggerFactory.getLogger(BatchFiles.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final Jdbi jdbi;
    private final Providers providers;
    private final RequestRenderer renderer;
    private final ImageSpool images;

    public BatchFiles(Path dir, Jdbi jdbi, Providers providers, RequestRenderer renderer, ImageSpool images) {
        this.dir = dir;
        this.jdbi = jdbi;
        this.providers = providers;
        this.renderer = renderer;
        this.images = images;
    }

    public Path path(long batchId) {
        return dir.resolve("batch-" + batchId + ".jsonl");
    }

    /** A new file written aside (its lines are appended as they are packed). */
    public Writer open() {
        try {
            Files.createDirectories(dir);
            return new Writer(dir.resolve("packing-" + UUID.randomUUID() + ".jsonl.tmp"), images);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The finished file becomes the batch's input file. */
    public void commit(Writer w, long batchId) {
        w.finish();
        try {
            if (!Files.exists(w.path)) {
                Files.createFile(w.path); // a batch whose requests all left it meanwhile
            }
            Files.move(w.path, path(batchId), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("batch " + batchId + ": " + e.getMessage(), e);
        }
    }

    /** A file whose batch was not recorded. */
    public void discard(Writer w) {
        w.finish();
        try {
            Files.deleteIfExists(w.path);
        } catch (IOException e) {
            LOG.warn("Could not delete {}: {}", w.path, e.getMessage());
        }
    }

    /** The batch's input file, rebuilt from its recorded requests only if it is missing. */
    public Path ensure(SubmitBatch b) {
        Path file = path(b.id());
        if (Files.exists(file)) {
            return file;
        }
        LOG.info("Batch {}: its input file is missing; rebuilding it from the database", b.id());
        Writer w = open();
        try {
            BatchProvider provider = providers.get(b.provider());
            jdbi.useTransaction(h -> rebuild(h, b, provider, w));
            commit(w, b.id());
        } catch (RuntimeException e) {
            discard(w);
            throw e;
        }
        return file;
    }

    /** The batch's lines: its requests alone, then its micro-batches, each rendered from its items in id order. */
    private void rebuild(Handle h, SubmitBatch b, BatchProvider provider, Writer w) {
        try (var rows = h.createQuery("SELECT r.id, r.submissions, r.task, r.template, i.payload::text, s.group_id "
                        + "FROM requests r JOIN items i ON i.id = r.item_id "
                        + "LEFT JOIN request_submissions s ON s.request_id = r.id AND s.submission = r.submissions "
                        + "WHERE r.batch_id = :b AND r.state = 'batched' ORDER BY s.group_id NULLS FIRST, r.id")
                .bind("b", b.id()).setFetchSize(500)
                .map((rs, ctx) -> new Stored(new RequestRenderer.Item(rs.getLong(1), rs.getInt(2), json(rs.getString(5))),
                        rs.getString(3), rs.getString(4), rs.getString(6)))
                .stream()) {
            List<Stored> group = new ArrayList<>();
            rows.forEach(r -> {
                if (!group.isEmpty() && (r.groupId() == null || !r.groupId().equals(group.get(0).groupId()))) {
                    write(w, provider, b, group);
                }
                group.add(r);
            });
            if (!group.isEmpty()) {
                write(w, provider, b, group);
            }
        }
    }

    private void write(Writer w, BatchProvider provider, SubmitBatch b, List<Stored> group) {
        Stored first = group.get(0);
        w.write(provider.encode(renderer.render(first.task(), first.template(), b.model(), b.endpoint(),
                group.stream().map(Stored::item).toList())));
        group.clear();
    }

    private record Stored(RequestRenderer.Item item, String task, String template, String groupId) {
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void delete(long batchId) {
        try {
            Files.deleteIfExists(path(batchId));
        } catch (IOException e) {
            LOG.warn("Could not delete the input file of batch {}: {}", batchId, e.getMessage());
        }
    }

    /** Lines appended to a file written aside. */
    public static final class Writer {

        private final Path path;
        private final ImageSpool images;
        private OutputStream out;

        Writer(Path path, ImageSpool images) {
            this.path = path;
            this.images = images;
        }

        /** Appends a line, its images' base64 streamed in from the spool. */
        public void write(byte[] line) {
            try {
                if (out == null) {
                    out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
                }
                ImageData.write(line, out, images::path);
                out.write('\n');
            } catch (IOException e) {
                throw failed(e);
            }
        }

        /** Flushes and closes the file (idempotent). */
        public void finish() {
            if (out == null) {
                return;
            }
            try {
                out.close();
            } catch (IOException e) {
                throw failed(e);
            } finally {
                out = null;
            }
        }

        /**
         * A file that could not be written (the data disk full, say) is removed at once: half a file must not hold
         * the space the next attempt needs. Its requests were not batched; the next pack tick takes them again.
         */
        private UncheckedIOException failed(IOException e) {
            try {
                if (out != null) {
                    out.close();
                }
            } catch (IOException ignored) {
                // the failure being reported is the first one
            }
            out = null;
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // what is left is deleted with the next discard, or is an orphan packing-*.tmp
            }
            String reason = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
            return new UncheckedIOException(path + " cannot be written (" + reason.replace(path + ": ", "") + ")", e);
        }

        public Path path() {
            return path;
        }
    }
}
