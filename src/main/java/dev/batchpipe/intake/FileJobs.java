package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.CrashPoints;
import dev.batchpipe.pipeline.CachedAnswers;
import dev.batchpipe.pipeline.JobCompletion;
import dev.batchpipe.task.TaskRegistry;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of the intake-file route (routes/intake-files.camel.yaml): open the job of a file, stream its records in
 * chunks, validate and commit each chunk, finish. The job is keyed by the file's fingerprint, so a file read again after a
 * crash resumes after the last line committed, and one read again after it was taken in completely is recognised
 * and not processed twice. A file that cannot be read at all is rejected at once, with the reason, as its job (the
 * inbox checks permissions first, and leaves such a file in place: InboxIntake.checkReadable). Each chunk's new
 * requests are answered from the row cache where it can ({@link CachedAnswers}), in the chunk's transaction, unless the
 * job was asked for without it.
 */
public final class FileJobs {

    private static final Logger LOG = LoggerFactory.getLogger(FileJobs.class);

    private final JobWriter writer;
    private final TaskRegistry tasks;
    private final Settings settings;
    private final CachedAnswers cache;
    private final Jdbi jdbi;
    private final JobCompletion completion;

    public record Settings(int maxRecordBytes, Path errorsDir) {
    }

    public FileJobs(JobWriter writer, TaskRegistry tasks, Settings settings, CachedAnswers cache, Jdbi jdbi,
                    JobCompletion completion) {
        this.writer = writer;
        this.tasks = tasks;
        this.settings = settings;
        this.cache = cache;
        this.jdbi = jdbi;
        this.completion = completion;
    }

    /** The job of {@code path}: new, resumed, taken in before, or rejected because the file cannot be read. */
    public FileJob open(String path, JobOptions options) throws IOException {
        Path file = Path.of(path);
        String fingerprint = fingerprint(file);
        String unreadable = !tasks.has(options.task())
                ? "no task named '" + options.task() + "' (the inbox folder names the task)" : unreadable(file);
        if (unreadable != null) {
            long id = writer.reject(options, file.toString(), fingerprint, unreadable);
            FileJob job = new FileJob(id, "rejected", false, null, options, file, errorsFile(id), 0);
            // the whole file in one line, without a line number; written anew if the file is seen again
            Files.deleteIfExists(job.errorsFile());
            report(job, List.of(new InputRecord.Bad(0, unreadable, null)));
            return job;
        }
        JobWriter.Job job = writer.open(options.mode() == null ? options.withMode(tasks.get(options.task()).mode())
                : options, file.toString(), fingerprint);
        boolean again = !job.status().equals("receiving");
        if (again) {
            LOG.info("{} was already taken in as job {} ({})", file.getFileName(), job.id(), job.status());
        } else if (job.linesRead() > 0) {
            LOG.info("Resuming intake of {} (job {}) after line {}", file.getFileName(), job.id(), job.linesRead());
        }
        return new FileJob(job.id(), job.status(), again, tasks.get(options.task()), options, file,
                errorsFile(job.id()), job.linesRead());
    }

    private Path errorsFile(long jobId) {
        return settings.errorsDir().resolve("job-" + jobId + ".errors.jsonl");
    }

    /**
     * The file's records after the lines already committed, streamed in chunks of {@code size} records: the chunk is
     * what the route splits the file into (a split and an aggregate per record cost more than the rest of intake).
     * Closed by the split when it ends.
     */
    public Iterator<List<InputRecord>> chunks(FileJob job, int size) throws IOException {
        RecordReader reader = job.isFetching() ? UrlRecords.open(job.file(), settings.maxRecordBytes())
                : RecordReader.open(job.file(), settings.maxRecordBytes());
        return new Chunks(reader.after(job.resumedAfter()), size);
    }

    /**
     * A chunk's records as the task accepts them: one that fails the task's input schema becomes a rejected line. A
     * URL list's line must name an http(s) page; the article fetched from it is checked by {@link #validateArticle}.
     */
    public List<InputRecord> validate(FileJob job, List<InputRecord> chunk) {
        List<InputRecord> checked = new ArrayList<>(chunk.size());
        for (InputRecord record : chunk) {
            checked.add(job.isFetching() ? UrlRecords.check(record) : JobWriter.validate(job.task(), record));
        }
        return checked;
    }

    /** An article fetched for a URL line, as the task accepts it. */
    public InputRecord validateArticle(FileJob job, InputRecord article) {
        return JobWriter.validate(job.task(), article);
    }

    /**
     * Commits one chunk (items, requests and what the row cache answers of them in one transaction), then reports its
     * rejected lines in the errors file.
     */
    public void commit(FileJob job, List<InputRecord> chunk) throws IOException {
        long after = job.nextChunk(chunk.get(chunk.size() - 1).line());
        List<InputRecord.Bad> rejected = writer.commit(job.getId(), job.task(), job.options(), after, chunk, (h, c) -> {
            if (job.options().cache()) {
                cache.serve(h, job.getId(), c.newItems().values());
            }
        }).rejected();
        // written after the commit: a crash in between leaves the lines in input_errors
        report(job, rejected);
        CrashPoints.reached("intake-chunk");
    }

    /**
     * Marks the job received, once every chunk handed on was committed (a chunk that failed leaves it receiving), and
     * closes it when the row cache answered all its requests.
     */
    public void finish(FileJob job) {
        writer.finish(job.getId(), job.chunksEnd());
        jdbi.useTransaction(completion::complete);
    }

    public IntakeResult result(FileJob job) {
        return writer.result(job.getId(), job.alreadyTakenIn(), job.errorsFile());
    }

    /** A reader's records, {@code size} at a time; only one chunk is held. */
    private static final class Chunks implements Iterator<List<InputRecord>>, Closeable {
        private final RecordReader reader;
        private final int size;

        Chunks(RecordReader reader, int size) {
            this.reader = reader;
            this.size = size;
        }

        @Override
        public boolean hasNext() {
            return reader.hasNext();
        }

        @Override
        public List<InputRecord> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            List<InputRecord> chunk = new ArrayList<>(size);
            while (chunk.size() < size && reader.hasNext()) {
                chunk.add(reader.next());
            }
            return chunk;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }

    /** Why the file cannot be read at all, or null. Checked before reading, as opening a FIFO would block. */
    static String unreadable(Path file) {
        if (!Files.isRegularFile(file)) {
            return "not a regular file (a FIFO, device or socket cannot be taken in)";
        }
        try (InputStream in = Files.newInputStream(file)) {
            in.read();
            return null;
        } catch (AccessDeniedException e) {
            return "cannot be read: permission denied";
        } catch (IOException e) {
            return "cannot be read: " + e.getMessage();
        }
    }

    /** Name, size and modification time: a file re-read after a crash is the same input; an edited file is a new one. */
    static String fingerprint(Path file) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        return JobWriter.sha256(file.getFileName() + "|" + attrs.size() + "|" + attrs.lastModifiedTime().toMillis());
    }

    /** The per-line error report: one JSON object per rejected line, appended chunk by chunk. */
    private void report(FileJob job, List<InputRecord.Bad> rejected) throws IOException {
        if (rejected.isEmpty()) {
            return;
        }
        Files.createDirectories(job.errorsFile().toAbsolutePath().getParent());
        try (BufferedWriter out = Files.newBufferedWriter(job.errorsFile(), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (InputRecord.Bad bad : rejected) {
                ObjectNode line = JobWriter.CANONICAL.createObjectNode().put("file", job.file().getFileName().toString());
                if (bad.line() > 0) {
                    line.put("line", bad.line());
                }
                if (bad.field() != null) {
                    line.put("field", bad.field());
                }
                line.put("reason", bad.reason());
                if (bad.excerpt() != null) {
                    line.put("excerpt", bad.excerpt());
                }
                out.write(line.toString());
                out.newLine();
            }
        }
    }
}
