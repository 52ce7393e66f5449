package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.CrashPoints;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes an input file in as a job: streams its records into {@link JobWriter} chunk by chunk, and reports rejected
 * lines in an errors file. The job is keyed by the file's fingerprint, so a file read again after a crash resumes
 * where it stopped, and a file read again after it was taken in completely is recognised and not processed twice.
 * Only after this returns may the caller move the file away.
 */
public final class FileIntake {

    private static final Logger LOG = LoggerFactory.getLogger(FileIntake.class);

    private final JobWriter writer;
    private final TaskRegistry tasks;
    private final Settings settings;

    public record Settings(int chunkSize, int maxRecordBytes, Path errorsDir) {
    }

    public FileIntake(JobWriter writer, TaskRegistry tasks, Settings settings) {
        this.writer = writer;
        this.tasks = tasks;
        this.settings = settings;
    }

    /**
     * Takes {@code file} in. Rejected lines are reported, one JSON object per line, in an errors file (named in the
     * result; created only when a line was rejected).
     */
    public IntakeResult accept(Path file, JobOptions options) throws IOException {
        TaskDefinition task = tasks.get(options.task());
        JobWriter.Job job = writer.open(options, file.toString(), fingerprint(file));
        Path errorsFile = settings.errorsDir().resolve("job-" + job.id() + ".errors.jsonl");
        if (!job.status().equals("receiving")) {
            LOG.info("{} was already taken in as job {} ({})", file.getFileName(), job.id(), job.status());
            return writer.result(job.id(), true, errorsFile);
        }
        if (job.linesRead() > 0) {
            LOG.info("Resuming intake of {} (job {}) after line {}", file.getFileName(), job.id(), job.linesRead());
        }
        try (RecordReader reader = RecordReader.open(file, settings.maxRecordBytes());
             ErrorSink errors = new ErrorSink(errorsFile, file)) {
            List<InputRecord> chunk = new ArrayList<>(settings.chunkSize());
            while (reader.hasNext()) {
                InputRecord r = reader.next();
                if (r.line() <= job.linesRead()) {
                    continue;
                }
                chunk.add(r);
                if (chunk.size() >= settings.chunkSize()) {
                    commit(job, task, options, chunk, errors);
                }
            }
            commit(job, task, options, chunk, errors);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        writer.finish(job.id());
        return writer.result(job.id(), false, errorsFile);
    }

    /** Records an input that cannot be taken in at all (unknown task) as a rejected job. */
    public IntakeResult reject(Path file, String task, String reason) {
        return writer.result(writer.reject(task, "file", file.toString(), reason), false, null);
    }

    private void commit(JobWriter.Job job, TaskDefinition task, JobOptions options, List<InputRecord> chunk,
                        ErrorSink errors) {
        if (!chunk.isEmpty()) {
            // the errors file is written after the commit: a crash in between leaves the lines in input_errors
            writer.commit(job.id(), task, options, chunk, (h, c) -> { }).rejected().forEach(errors::write);
            chunk.clear();
            CrashPoints.reached("intake-chunk");
        }
    }

    /** Name, size and modification time: a file re-read after a crash is the same input; an edited file is a new one. */
    static String fingerprint(Path file) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        return JobWriter.sha256(file.getFileName() + "|" + attrs.size() + "|" + attrs.lastModifiedTime().toMillis());
    }

    /** The per-line error report: one JSON object per rejected line. */
    private static final class ErrorSink implements AutoCloseable {
        private final Path path;
        private final String fileName;
        private BufferedWriter out;

        ErrorSink(Path path, Path input) {
            this.path = path;
            this.fileName = input.getFileName().toString();
        }

        void write(InputRecord.Bad bad) {
            try {
                if (out == null) {
                    Files.createDirectories(path.toAbsolutePath().getParent());
                    out = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                            StandardOpenOption.APPEND);
                }
                ObjectNode line = JobWriter.CANONICAL.createObjectNode().put("file", fileName).put("line", bad.line())
                        .put("reason", bad.reason());
                if (bad.excerpt() != null) {
                    line.put("excerpt", bad.excerpt());
                }
                out.write(line.toString());
                out.newLine();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + path, e);
            }
        }

        @Override
        public void close() throws IOException {
            if (out != null) {
                out.close();
            }
        }
    }
}
