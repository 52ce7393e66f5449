package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes an input file in as a job: streams its records, validates each against the task's input schema, and commits
 * items with their requests chunk by chunk. The job remembers the last committed line, so a file read again after a
 * crash resumes where it stopped, and a file read again after it was taken in completely is recognised and not
 * processed twice. Only after this returns may the caller move the file away.
 */
public final class FileIntake {

    private static final Logger LOG = LoggerFactory.getLogger(FileIntake.class);
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true);

    private final Jdbi jdbi;
    private final TaskRegistry tasks;
    private final RequestFactory requests;
    private final Settings settings;

    public record Settings(int chunkSize, int maxRecordBytes, int maxStoredErrors, Path errorsDir) {
    }

    public FileIntake(Jdbi jdbi, TaskRegistry tasks, RequestFactory requests, Settings settings) {
        this.jdbi = jdbi;
        this.tasks = tasks;
        this.requests = requests;
        this.settings = settings;
    }

    /**
     * Takes {@code file} in. Rejected lines are reported, one JSON object per line, in an errors file (named in the
     * result; created only when a line was rejected).
     */
    public IntakeResult accept(Path file, JobOptions options) throws IOException {
        TaskDefinition task = tasks.get(options.task());
        String fingerprint = fingerprint(file);
        Job job = openJob(options, file, fingerprint);
        Path errorsFile = settings.errorsDir().resolve("job-" + job.id() + ".errors.jsonl");
        if (!job.status().equals("receiving")) {
            LOG.info("{} was already taken in as job {} ({})", file.getFileName(), job.id(), job.status());
            return result(job.id(), true, errorsFile);
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
                    commitChunk(job, task, options, chunk, errors);
                    chunk.clear();
                }
            }
            commitChunk(job, task, options, chunk, errors);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        finishIntake(job.id());
        return result(job.id(), false, errorsFile);
    }

    /** Records an input that cannot be taken in at all (unknown task, unreadable file) as a rejected job. */
    public IntakeResult reject(Path file, String task, String reason) throws IOException {
        long id = jdbi.withHandle(h -> h.createQuery("INSERT INTO jobs (task, source_kind, source, status, error, "
                        + "received_at, finished_at) VALUES (:task, 'file', :source, 'rejected', :error, now(), now()) RETURNING id")
                .bind("task", task).bind("source", file.toString()).bind("error", reason).mapTo(Long.class).one());
        return result(id, false, null);
    }

    private void commitChunk(Job job, TaskDefinition task, JobOptions options, List<InputRecord> chunk, ErrorSink errors) {
        if (chunk.isEmpty()) {
            return;
        }
        List<InputRecord.Bad> bad = new ArrayList<>();
        Map<String, Candidate> candidates = new LinkedHashMap<>();
        for (InputRecord r : chunk) {
            if (r instanceof InputRecord.Bad b) {
                bad.add(b);
                continue;
            }
            ObjectNode value = ((InputRecord.Parsed) r).value();
            List<String> problems = task.inputSchema().problems(value);
            if (!problems.isEmpty()) {
                bad.add(new InputRecord.Bad(r.line(), String.join("; ", problems), value.toString()));
                continue;
            }
            String key = value.get(task.keyField()).asText();
            Candidate earlier = candidates.get(key);
            if (earlier != null) {
                bad.add(new InputRecord.Bad(r.line(), "duplicate " + task.keyField() + " '" + key
                        + "' (first on line " + earlier.line() + ")", value.toString()));
                continue;
            }
            candidates.put(key, new Candidate(r.line(), key, value, contentHash(value)));
        }
        long lastLine = chunk.get(chunk.size() - 1).line();
        jdbi.useTransaction(h -> {
            // the same key earlier in this file (previous chunks) is a duplicate line, not a new version
            if (!candidates.isEmpty()) {
                h.createQuery("SELECT source_key, line FROM items WHERE job_id = :job AND source_key IN (<keys>)")
                        .bind("job", job.id()).bindList("keys", List.copyOf(candidates.keySet()))
                        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).list()
                        .forEach(e -> {
                            Candidate c = candidates.remove(e.getKey());
                            bad.add(new InputRecord.Bad(c.line(), "duplicate " + task.keyField() + " '" + c.key()
                                    + "' (first on line " + e.getValue() + ")", c.value().toString()));
                        });
            }
            int accepted = 0;
            int duplicates = 0;
            for (Candidate c : candidates.values()) {
                Optional<Long> itemId = h.createQuery("INSERT INTO items (task, source_key, content_hash, job_id, line, payload) "
                                + "VALUES (:task, :key, :hash, :job, :line, CAST(:payload AS jsonb)) "
                                + "ON CONFLICT (task, source_key, content_hash) DO NOTHING RETURNING id")
                        .bind("task", task.name()).bind("key", c.key()).bind("hash", c.hash()).bind("job", job.id())
                        .bind("line", c.line()).bind("payload", c.value().toString())
                        .mapTo(Long.class).findOne();
                if (itemId.isPresent()) {
                    requests.create(h, task, options, job.id(), itemId.get(), c.value());
                    accepted++;
                } else {
                    duplicates++;
                }
            }
            bad.sort(java.util.Comparator.comparingLong(InputRecord::line));
            storeErrors(h, job.id(), bad);
            h.createUpdate("UPDATE jobs SET lines_read = :line, items_accepted = items_accepted + :accepted, "
                            + "items_duplicate = items_duplicate + :dups, lines_rejected = lines_rejected + :bad WHERE id = :id")
                    .bind("line", lastLine).bind("accepted", accepted).bind("dups", duplicates).bind("bad", bad.size())
                    .bind("id", job.id()).execute();
        });
        job.linesRead(lastLine);
        bad.forEach(errors::write);
    }

    private void storeErrors(Handle h, long jobId, List<InputRecord.Bad> bad) {
        if (bad.isEmpty()) {
            return;
        }
        long stored = h.createQuery("SELECT count(*) FROM input_errors WHERE job_id = :id").bind("id", jobId)
                .mapTo(Long.class).one();
        var batch = h.prepareBatch("INSERT INTO input_errors (job_id, line, reason, excerpt) VALUES (:job, :line, :reason, :excerpt) "
                + "ON CONFLICT DO NOTHING");
        for (InputRecord.Bad b : bad) {
            if (stored++ >= settings.maxStoredErrors()) {
                break;
            }
            batch.bind("job", jobId).bind("line", b.line()).bind("reason", b.reason()).bind("excerpt", b.excerpt()).add();
        }
        if (batch.size() > 0) {
            batch.execute();
        }
    }

    /** Marks the job received: active when it has requests to run, otherwise finished (rejected when nothing was usable). */
    private void finishIntake(long jobId) {
        jdbi.useHandle(h -> h.createUpdate("""
                UPDATE jobs SET received_at = now(),
                  status = CASE WHEN items_accepted > 0 THEN 'active'
                                WHEN items_duplicate > 0 THEN 'succeeded'
                                ELSE 'rejected' END,
                  error = CASE WHEN items_accepted > 0 OR items_duplicate > 0 THEN NULL
                               WHEN lines_rejected > 0 THEN 'no valid record: every line was rejected'
                               ELSE 'the file holds no records' END,
                  finished_at = CASE WHEN items_accepted > 0 THEN NULL ELSE now() END
                WHERE id = :id AND status = 'receiving'""").bind("id", jobId).execute());
    }

    private IntakeResult result(long jobId, boolean alreadyTakenIn, Path errorsFile) {
        Path errors = errorsFile != null && Files.exists(errorsFile) ? errorsFile : null;
        return jdbi.withHandle(h -> h.createQuery("SELECT id, status, lines_read, items_accepted, items_duplicate, "
                        + "lines_rejected, error FROM jobs WHERE id = :id")
                .bind("id", jobId)
                .map((rs, ctx) -> new IntakeResult(rs.getLong("id"), rs.getString("status"), rs.getLong("items_accepted"),
                        rs.getLong("items_duplicate"), rs.getLong("lines_rejected"), rs.getString("error"), alreadyTakenIn,
                        errors))
                .one());
    }

    private Job openJob(JobOptions o, Path file, String fingerprint) {
        return jdbi.inTransaction(h -> {
            h.createUpdate("INSERT INTO jobs (task, source_kind, source, source_fingerprint, schedule, priority, provider, model) "
                            + "VALUES (:task, :kind, :source, :fp, :schedule, :priority, :provider, :model) "
                            + "ON CONFLICT (task, source_fingerprint) DO NOTHING")
                    .bind("task", o.task()).bind("kind", o.sourceKind()).bind("source", file.toString()).bind("fp", fingerprint)
                    .bind("schedule", o.schedule()).bind("priority", o.priority()).bind("provider", o.provider())
                    .bind("model", o.model()).execute();
            return h.createQuery("SELECT id, status, lines_read FROM jobs WHERE task = :task AND source_fingerprint = :fp")
                    .bind("task", o.task()).bind("fp", fingerprint)
                    .map((rs, ctx) -> new Job(rs.getLong(1), rs.getString(2), rs.getLong(3))).one();
        });
    }

    /** Name, size and modification time: a file re-read after a crash is the same input; an edited file is a new one. */
    static String fingerprint(Path file) throws IOException {
        var attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
        return sha256(file.getFileName() + "|" + attrs.size() + "|" + attrs.lastModifiedTime().toMillis());
    }

    static String contentHash(JsonNode value) {
        try {
            return sha256(CANONICAL.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Candidate(long line, String key, ObjectNode value, String hash) {
    }

    private static final class Job {
        private final long id;
        private final String status;
        private long linesRead;

        Job(long id, String status, long linesRead) {
            this.id = id;
            this.status = status;
            this.linesRead = linesRead;
        }

        long id() {
            return id;
        }

        String status() {
            return status;
        }

        long linesRead() {
            return linesRead;
        }

        void linesRead(long line) {
            linesRead = line;
        }
    }

    /** The per-line error report written beside the input: one JSON object per rejected line. */
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
                ObjectNode line = CANONICAL.createObjectNode().put("file", fileName).put("line", bad.line())
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
