package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.CrashPoints;
import dev.batchpipe.task.TaskDefinition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Writes records into a job, whatever they came from (a file, rows of a source table): each record is validated
 * against the task's input schema ({@link #validate}), deduplicated (within the input by key, across inputs by task +
 * key + content hash), and committed as an item with its requests. One chunk is one transaction; the job remembers
 * the last line committed, so an interrupted intake resumes.
 */
public final class JobWriter {

    static final ObjectMapper CANONICAL = new ObjectMapper().configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true);

    private final Jdbi jdbi;
    private final RequestFactory requests;
    private final int maxStoredErrors;

    public JobWriter(Jdbi jdbi, RequestFactory requests, int maxStoredErrors) {
        this.jdbi = jdbi;
        this.requests = requests;
        this.maxStoredErrors = maxStoredErrors;
    }

    public record Job(long id, String status, long linesRead) {
    }

    /**
     * What a chunk produced: rejected records, keys that became new items, and keys whose exact content was already
     * taken in before (by another input).
     */
    public record Chunk(List<InputRecord.Bad> rejected, Map<String, Long> newItems, Set<String> known) {
    }

    /**
     * A new job, or, when {@code fingerprint} matches an earlier input of the task, that input's job. Looked up before
     * inserting, so an input read again (a retry, a resume) uses no new job id. A forced input resumes its own
     * unfinished forced job, or becomes a new job beside the earlier one.
     */
    public Job open(JobOptions o, String source, String fingerprint) {
        return jdbi.inTransaction(h -> {
            if (fingerprint == null) {
                return insert(h, o, source, null, "receiving", null);
            }
            Optional<Job> earlier = o.force()
                    ? find(h, "task = :task AND status = 'receiving' AND (source_fingerprint = :fp "
                            + "OR source_fingerprint LIKE :fp || '+force-%')", o.task(), fingerprint)
                    : find(h, "task = :task AND source_fingerprint = :fp", o.task(), fingerprint);
            if (earlier.isPresent()) {
                return earlier.get();
            }
            boolean takenInBefore = o.force()
                    && find(h, "task = :task AND source_fingerprint = :fp", o.task(), fingerprint).isPresent();
            String key = takenInBefore ? fingerprint + "+force-" + System.currentTimeMillis() : fingerprint;
            return insert(h, o, source, key, "receiving", null);
        });
    }

    /**
     * Records an input that cannot be taken in at all (unknown task, unreadable file) as a rejected job: once per
     * fingerprint, so reading it again records nothing new.
     */
    public long reject(JobOptions o, String source, String fingerprint, String reason) {
        return jdbi.inTransaction(h -> {
            Optional<Job> earlier = fingerprint == null ? Optional.empty()
                    : find(h, "task = :task AND source_fingerprint = :fp", o.task(), fingerprint);
            return earlier.orElseGet(() -> insert(h, o, source, fingerprint, "rejected", reason)).id();
        });
    }

    private static Optional<Job> find(Handle h, String where, String task, String fingerprint) {
        return h.createQuery("SELECT id, status, lines_read FROM jobs WHERE " + where + " ORDER BY id DESC LIMIT 1")
                .bind("task", task).bind("fp", fingerprint)
                .map((rs, ctx) -> new Job(rs.getLong(1), rs.getString(2), rs.getLong(3))).findOne();
    }

    private static Job insert(Handle h, JobOptions o, String source, String fingerprint, String status, String error) {
        long id = h.createQuery("INSERT INTO jobs (task, source_kind, source, source_fingerprint, schedule, priority, "
                        + "provider, model, status, error, received_at, finished_at, mode, deadline_at) VALUES (:task, "
                        + ":kind, :source, :fp, :schedule, :priority, :provider, :model, :status, :error, "
                        + "CASE WHEN :status = 'rejected' THEN now() END, CASE WHEN :status = 'rejected' THEN now() END, "
                        + ":mode, now() + make_interval(secs => CAST(:deadline AS double precision))) "
                        + "RETURNING id")
                .bind("task", o.task()).bind("kind", o.sourceKind()).bind("source", source).bind("fp", fingerprint)
                .bind("schedule", o.schedule()).bind("priority", o.priority()).bind("provider", o.provider())
                .bind("model", o.model()).bind("status", status).bind("error", error)
                .bind("mode", o.mode() == null ? "batch" : o.mode())
                .bind("deadline", o.deadline() == null ? null : o.deadline().toMillis() / 1000.0).mapTo(Long.class).one();
        return new Job(id, status, 0);
    }

    /** The record as the task accepts it: a parsed record that fails the task's input schema becomes a bad one. */
    public static InputRecord validate(TaskDefinition task, InputRecord record) {
        if (record instanceof InputRecord.Parsed p) {
            List<String> problems = task.inputSchema().problems(p.value());
            if (!problems.isEmpty()) {
                return new InputRecord.Bad(p.line(), String.join("; ", problems), p.value().toString());
            }
        }
        return record;
    }

    /**
     * Commits one chunk of {@linkplain #validate validated} records in one transaction, the records that follow line
     * {@code after} of the input. A chunk committed before (a replay after a crash or a retry) is skipped, and one that
     * does not follow what was committed (an earlier chunk failed, or another reader got ahead) is refused, so the
     * job's lines are committed once each and in order. {@code alsoInTransaction} runs in the transaction after the
     * items are written (to move source rows on, say), so both commit or neither does.
     */
    public Chunk commit(long jobId, TaskDefinition task, JobOptions options, long after, List<InputRecord> records,
                        BiConsumer<Handle, Chunk> alsoInTransaction) {
        List<InputRecord.Bad> bad = new ArrayList<>();
        Map<String, Candidate> candidates = new LinkedHashMap<>();
        for (InputRecord r : records.stream()
                .flatMap(r -> r instanceof InputRecord.Items i ? i.items().stream() : java.util.stream.Stream.of(r))
                .toList()) {
            if (r instanceof InputRecord.Bad b) {
                bad.add(b);
                continue;
            }
            ObjectNode value = ((InputRecord.Parsed) r).value();
            String key = task.itemKey(value);
            Candidate earlier = candidates.get(key);
            if (earlier != null) {
                bad.add(duplicate(task, key, earlier.line(), r.line(), value));
                continue;
            }
            candidates.put(key, new Candidate(r.line(), key, value, contentHash(value)));
        }
        long lastLine = records.isEmpty() ? after : records.get(records.size() - 1).line();
        return jdbi.inTransaction(h -> {
            long committed = h.createQuery("SELECT lines_read FROM jobs WHERE id = :id FOR UPDATE").bind("id", jobId)
                    .mapTo(Long.class).one();
            if (committed >= lastLine && lastLine > after) {
                return new Chunk(List.of(), Map.of(), Set.of());
            }
            if (committed != after) {
                throw new IllegalStateException("job " + jobId + ": the chunk after line " + after
                        + " does not follow the lines committed (up to line " + committed + ")");
            }
            // the same key earlier in this input (previous chunks) is a duplicate line, not a new version
            if (!candidates.isEmpty()) {
                h.createQuery("SELECT i.source_key, i.line FROM items i WHERE i.task = :task AND i.source_key = ANY(:keys) "
                                + "AND (i.job_id = :job OR EXISTS (SELECT 1 FROM requests r WHERE r.item_id = i.id "
                                + "AND r.job_id = :job))")
                        .bind("job", jobId).bind("task", task.name())
                        .bindArray("keys", String.class, List.copyOf(candidates.keySet()))
                        .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).list()
                        .forEach(e -> {
                            Candidate c = candidates.remove(e.getKey());
                            bad.add(duplicate(task, c.key(), e.getValue(), c.line(), c.value()));
                        });
            }
            Map<String, Long> itemIds = insertItems(h, task, jobId, candidates.values(), options.force());
            CrashPoints.reached("mid-intake-chunk");
            Map<String, Long> created = new LinkedHashMap<>();
            Set<String> known = new LinkedHashSet<>();
            List<RequestFactory.NewItem> newItems = new ArrayList<>();
            for (Candidate c : candidates.values()) {
                Long itemId = itemIds.get(c.key());
                if (itemId != null) {
                    newItems.add(new RequestFactory.NewItem(itemId, c.value()));
                    created.put(c.key(), itemId);
                } else {
                    known.add(c.key());
                }
            }
            requests.createAll(h, task, options, jobId, newItems);
            bad.sort(Comparator.comparingLong(InputRecord::line));
            storeErrors(h, jobId, bad);
            h.createUpdate("UPDATE jobs SET lines_read = :line, items_accepted = items_accepted + :accepted, "
                            + "items_duplicate = items_duplicate + :dups, lines_rejected = lines_rejected + :bad WHERE id = :id")
                    .bind("line", lastLine).bind("accepted", created.size()).bind("dups", known.size())
                    .bind("bad", bad.size()).bind("id", jobId).execute();
            Chunk chunk = new Chunk(bad, created, known);
            alsoInTransaction.accept(h, chunk);
            return chunk;
        });
    }

    /**
     * The chunk's new items in one statement (keyed by task, key and content hash, so content taken in before is not
     * stored again), in line order; returns the ids by key. Content taken in before gets no id, unless forced: then the
     * existing item's id, so that it gets a new request in this job.
     */
    private static Map<String, Long> insertItems(Handle h, TaskDefinition task, long jobId,
                                                 java.util.Collection<Candidate> candidates, boolean force) {
        Map<String, Long> ids = new java.util.HashMap<>();
        if (candidates.isEmpty()) {
            return ids;
        }
        List<String> keys = new ArrayList<>();
        List<String> hashes = new ArrayList<>();
        List<Long> lines = new ArrayList<>();
        List<String> payloads = new ArrayList<>();
        for (Candidate c : candidates) {
            keys.add(c.key());
            hashes.add(c.hash());
            lines.add(c.line());
            payloads.add(c.value().toString());
        }
        h.createQuery("INSERT INTO items (task, source_key, content_hash, job_id, line, payload) "
                        + "SELECT :task, u.key, u.hash, :job, u.line, CAST(u.payload AS jsonb) "
                        + "FROM unnest(:keys, :hashes, :lines, :payloads) AS u(key, hash, line, payload) ORDER BY u.line "
                        + "ON CONFLICT (task, source_key, content_hash) DO NOTHING RETURNING source_key, id")
                .bind("task", task.name()).bind("job", jobId).bindArray("keys", String.class, keys)
                .bindArray("hashes", String.class, hashes).bindArray("lines", Long.class, lines)
                .bindArray("payloads", String.class, payloads)
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2))).forEach(e -> ids.put(e.getKey(), e.getValue()));
        if (force && ids.size() < candidates.size()) {
            // taken in before: forced, the item gets a new request in this job
            h.createQuery("SELECT i.source_key, i.id FROM items i JOIN unnest(:keys, :hashes) AS u(key, hash) "
                            + "ON i.source_key = u.key AND i.content_hash = u.hash WHERE i.task = :task")
                    .bind("task", task.name()).bindArray("keys", String.class, keys)
                    .bindArray("hashes", String.class, hashes)
                    .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                    .forEach(e -> ids.putIfAbsent(e.getKey(), e.getValue()));
        }
        return ids;
    }

    private static InputRecord.Bad duplicate(TaskDefinition task, String key, long firstLine, long line, JsonNode value) {
        return new InputRecord.Bad(line, "duplicate " + task.keyField() + " '" + key + "' (first on line " + firstLine + ")",
                value.toString());
    }

    private void storeErrors(Handle h, long jobId, List<InputRecord.Bad> bad) {
        if (bad.isEmpty()) {
            return;
        }
        long stored = h.createQuery("SELECT count(*) FROM input_errors WHERE job_id = :id").bind("id", jobId)
                .mapTo(Long.class).one();
        var batch = h.prepareBatch("INSERT INTO input_errors (job_id, line, reason, excerpt) "
                + "VALUES (:job, :line, :reason, :excerpt) ON CONFLICT DO NOTHING");
        for (InputRecord.Bad b : bad) {
            if (stored++ >= maxStoredErrors) {
                break;
            }
            batch.bind("job", jobId).bind("line", b.line()).bind("reason", b.fieldAndReason()).bind("excerpt", b.excerpt())
                    .add();
        }
        if (batch.size() > 0) {
            batch.execute();
        }
    }

    /**
     * Marks the job received: active when it has requests to run, otherwise finished (rejected when nothing was usable).
     * Only once its lines are committed through {@code throughLine}: a chunk that failed leaves the job receiving, to
     * be resumed.
     */
    public void finish(long jobId, long throughLine) {
        jdbi.useTransaction(h -> {
            int finished = h.createUpdate("""
                    UPDATE jobs SET received_at = now(),
                      status = CASE WHEN items_accepted > 0 THEN 'active'
                                    WHEN items_duplicate > 0 THEN 'succeeded'
                                    ELSE 'rejected' END,
                      error = CASE WHEN items_accepted > 0 OR items_duplicate > 0 THEN NULL
                                   WHEN lines_rejected > 0 THEN 'no valid record: every line was rejected (first: '
                                     || (SELECT 'line ' || e.line || ': ' || e.reason FROM input_errors e
                                         WHERE e.job_id = jobs.id ORDER BY e.line LIMIT 1) || ')'
                                   ELSE 'the input holds no records' END,
                      finished_at = CASE WHEN items_accepted > 0 THEN NULL ELSE now() END
                    WHERE id = :id AND status = 'receiving' AND lines_read = :through""")
                    .bind("id", jobId).bind("through", throughLine).execute();
            if (finished == 0) {
                long committed = h.createQuery("SELECT CASE WHEN status = 'receiving' THEN lines_read ELSE :through END "
                        + "FROM jobs WHERE id = :id").bind("id", jobId).bind("through", throughLine)
                        .mapTo(Long.class).one();
                if (committed != throughLine) {
                    throw new IllegalStateException("job " + jobId + ": lines up to " + throughLine
                            + " were read but only those up to " + committed + " committed; it resumes when read again");
                }
            }
        });
    }

    public IntakeResult result(long jobId, boolean alreadyTakenIn, Path errorsFile) {
        Path errors = errorsFile != null && Files.exists(errorsFile) ? errorsFile : null;
        return jdbi.withHandle(h -> h.createQuery("SELECT id, status, items_accepted, items_duplicate, lines_rejected, error "
                        + "FROM jobs WHERE id = :id")
                .bind("id", jobId)
                .map((rs, ctx) -> new IntakeResult(rs.getLong("id"), rs.getString("status"), rs.getLong("items_accepted"),
                        rs.getLong("items_duplicate"), rs.getLong("lines_rejected"), rs.getString("error"), alreadyTakenIn,
                        errors))
                .one());
    }

    static String contentHash(JsonNode value) {
        try {
            return sha256(CANONICAL.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Candidate(long line, String key, ObjectNode value, String hash) {
    }
}
