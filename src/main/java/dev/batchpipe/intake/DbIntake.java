package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.store.Instance;
import dev.batchpipe.pipeline.CachedAnswers;
import dev.batchpipe.pipeline.JobCompletion;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.sql.Timestamp;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work that starts in the database, claimed by the camel-sql consumers of routes/intake-db.camel.yaml: new and changed
 * rows of a task's source table (story_groups) are taken in as a job; a requested extraction run selects rows of a
 * source table and takes them in as the run's job. In the transaction that writes its item, each row moves on
 * (queued with the job, done, or failed), so a row claimed by an instance that dies is taken over once its lease runs
 * out, and one taken in is never taken in again.
 */
public final class DbIntake {

    private static final Logger LOG = LoggerFactory.getLogger(DbIntake.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A run leaves alone rows that an automatic pick-up (of this or another instance) holds right now. */
    private static final String RUN_GUARD = "(extraction_state <> 'claimed' OR claimed_by = :me "
            + "OR lease_free(claimed_by, claimed_until, :me))";
    /** Rows picked up move on only while this instance still holds their claim. */
    private static final String CLAIM_GUARD = "claimed_by = :me AND extraction_state = 'claimed'";

    /** {@code chunkSize}: rows of a run's selection per transaction. */
    public record Settings(int chunkSize) {
    }

    private final Jdbi jdbi;
    private final TaskRegistry tasks;
    private final JobWriter writer;
    private final JobCompletion completion;
    private final Instance instance;
    private final Settings settings;
    private final CachedAnswers cache;

    public DbIntake(Jdbi jdbi, TaskRegistry tasks, JobWriter writer, JobCompletion completion, Instance instance,
                    Settings settings, CachedAnswers cache) {
        this.jdbi = jdbi;
        this.tasks = tasks;
        this.writer = writer;
        this.completion = completion;
        this.instance = instance;
        this.settings = settings;
        this.cache = cache;
    }

    /**
     * Rows of {@code task}'s source table claimed in one poll (each a {@code row} column: the row as JSON), taken in as
     * one job; returns the job.
     */
    public long takeIn(String task, List<Map<String, Object>> claimed) {
        TaskDefinition t = tasks.get(task);
        TaskDefinition.Source s = t.source();
        List<ObjectNode> rows = claimed.stream().map(c -> json((String) c.get("row"))).toList();
        JobOptions options = new JobOptions(t.name(), "db", null, null, s.priority(), s.schedule()).withMode(t.mode());
        JobWriter.Job job = writer.open(options, s.table(), null);
        takeIn(t, options, job.id(), rows, CLAIM_GUARD, 0);
        writer.finish(job.id(), rows.size());
        jdbi.useTransaction(completion::complete);
        LOG.info("{}: {} new or changed row(s) of {} taken in as job {}", t.name(), rows.size(), s.table(), job.id());
        return job.id();
    }

    /**
     * Requests an extraction run (what an operator's INSERT into extraction_runs does); a service picks it up at
     * once through NOTIFY. {@code mode} and {@code deadline} are its job's (null: the task's mode, no deadline);
     * {@code cache} false sends every item to the provider instead of serving some from the row cache. Returns the
     * run's id.
     */
    public long requestRun(String task, java.time.OffsetDateTime since, List<String> ids, Integer limit, int priority,
                           String schedule, String mode, java.time.Duration deadline, boolean cache,
                           String requestedBy) {
        TaskDefinition t = tasks.get(task);
        if (t.source() == null) {
            throw new dev.batchpipe.StartupException("Task " + task + " has no source table (add a source: block to "
                    + t.file() + ")");
        }
        return jdbi.withHandle(h -> h.createQuery("INSERT INTO extraction_runs (task, since, ids, row_limit, priority, "
                        + "schedule, mode, deadline_seconds, use_cache, requested_by) VALUES (:task, :since, :ids, :limit, "
                        + ":priority, :schedule, :mode, :deadline, :cache, :by) RETURNING id")
                .bind("task", task).bind("since", since).bind("mode", mode).bind("cache", cache)
                .bind("deadline", deadline == null ? null : Math.max(1, deadline.toSeconds()))
                .bindArray("ids", String.class, ids == null ? null : ids.toArray())
                .bind("limit", limit).bind("priority", priority).bind("schedule", schedule).bind("by", requestedBy)
                .mapTo(Long.class).one());
    }

    /** A claimed extraction run (the row as JSON), started: its selection taken in as its job. */
    public void start(String claimedRun) {
        JsonNode r = json(claimedRun);
        start(new Run(r.get("id").asLong(), r.get("task").asText(),
                r.hasNonNull("since") ? Timestamp.from(OffsetDateTime.parse(r.get("since").asText()).toInstant()) : null,
                r.hasNonNull("ids") ? JSON.convertValue(r.get("ids"), String[].class) : null,
                r.hasNonNull("row_limit") ? r.get("row_limit").asInt() : null, r.get("priority").asInt(),
                r.get("schedule").asText(), r.hasNonNull("mode") ? r.get("mode").asText() : null,
                r.hasNonNull("deadline_seconds") ? java.time.Duration.ofSeconds(r.get("deadline_seconds").asLong()) : null,
                r.path("use_cache").asBoolean(true)));
        jdbi.useTransaction(completion::complete);
    }

    private void start(Run run) {
        TaskDefinition task = tasks.has(run.task()) ? tasks.get(run.task()) : null;
        if (task == null || task.source() == null) {
            String error = task == null ? "no task named '" + run.task() + "'"
                    : "task " + run.task() + " has no source table to select rows from";
            jdbi.useHandle(h -> h.createUpdate("UPDATE extraction_runs SET status = 'failed', error = :e, "
                    + "finished_at = now() WHERE id = :id").bind("e", error).bind("id", run.id()).execute());
            LOG.warn("Extraction run {} failed: {}", run.id(), error);
            return;
        }
        JobOptions options = new JobOptions(task.name(), "run", null, null, run.priority(), run.schedule())
                .withMode(run.mode() == null ? task.mode() : run.mode()).withDeadline(run.deadline())
                .withCache(run.cache());
        // keyed by the run: a run taken over after a crash resumes its own job
        JobWriter.Job job = writer.open(options, "extraction_runs/" + run.id(), "run-" + run.id());
        long selected = job.linesRead();
        if (job.status().equals("receiving")) {
            selected = takeInSelection(task, options, job, run);
            writer.finish(job.id(), selected);
        }
        long rows = selected;
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE extraction_runs r SET status = 'running', job_id = :job, started_at = coalesce(started_at, now()),
                          rows_selected = :rows, items_new = j.items_accepted
                        FROM jobs j WHERE j.id = :job AND r.id = :id""")
                .bind("job", job.id()).bind("rows", rows).bind("id", run.id()).execute());
        LOG.info("Extraction run {} ({}): {} row(s) selected as job {}", run.id(), task.name(), rows, job.id());
    }

    /** Streams the run's selection in chunks; returns the number of rows selected. */
    private long takeInSelection(TaskDefinition task, JobOptions options, JobWriter.Job job, Run run) {
        String table = task.source().table();
        String key = task.keyField();
        List<ObjectNode> chunk = new ArrayList<>();
        long[] count = {0};
        jdbi.useTransaction(h -> {
            try (var rows = h.createQuery("SELECT to_jsonb(t)::text FROM " + table + " t "
                            + "WHERE (CAST(:since AS timestamptz) IS NULL OR updated_at >= :since) "
                            + "AND (CAST(:ids AS text[]) IS NULL OR " + key + " = ANY(:ids)) "
                            + "ORDER BY updated_at DESC, " + key + " LIMIT :limit OFFSET :done")
                    .bind("since", run.since()).bindArray("ids", String.class, (Object[]) run.ids())
                    .bind("limit", run.limit() == null ? Long.MAX_VALUE : run.limit() - job.linesRead())
                    .bind("done", job.linesRead())
                    .setFetchSize(500).mapTo(String.class).stream()) {
                Iterator<String> it = rows.iterator();
                while (it.hasNext()) {
                    chunk.add(json(it.next()));
                    if (chunk.size() >= settings.chunkSize() || !it.hasNext()) {
                        takeIn(task, options, job.id(), chunk, RUN_GUARD, job.linesRead() + count[0]);
                        count[0] += chunk.size();
                        chunk.clear();
                    }
                }
            }
        });
        return job.linesRead() + count[0];
    }

    /**
     * Rows become items (numbered as lines after {@code offset}); in the same transaction each row moves on: queued
     * with the job when it became an item, done when its content had already been extracted, failed when rejected.
     * {@code guard} keeps a row that changed meanwhile (and is pending again) as it is.
     */
    private void takeIn(TaskDefinition task, JobOptions options, long jobId, List<ObjectNode> rows, String guard,
                        long offset) {
        Set<String> fields = fieldNames(task);
        List<InputRecord> records = new ArrayList<>(rows.size());
        List<String> keys = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            ObjectNode input = JSON.createObjectNode();
            for (String f : fields) {
                JsonNode v = rows.get(i).get(f);
                if (v != null && !v.isNull()) {
                    input.set(f, v.isValueNode() && !v.isTextual() && f.equals(task.keyField())
                            ? JSON.getNodeFactory().textNode(v.asText()) : v);
                }
            }
            records.add(JobWriter.validate(task, new InputRecord.Parsed(offset + i + 1, input)));
            keys.add(rows.get(i).path(task.keyField()).asText());
        }
        String table = task.source().table();
        String key = task.keyField();
        writer.commit(jobId, task, options, offset, records, (h, chunk) -> {
            List<String> rejected = chunk.rejected().stream().map(b -> keys.get((int) (b.line() - offset - 1))).toList();
            move(h, table, key, guard, "queued", List.copyOf(chunk.newItems().keySet()), jobId);
            move(h, table, key, guard, "done", List.copyOf(chunk.known()), jobId);
            move(h, table, key, guard, "failed", rejected, jobId);
            if (options.cache()) {
                cache.serve(h, jobId, chunk.newItems().values());
            }
        });
    }

    private void move(Handle h, String table, String key, String guard, String state, List<String> keys, long jobId) {
        if (keys.isEmpty()) {
            return;
        }
        // the claim itself is released by the consumer's onConsume, once the whole poll was taken in
        h.createUpdate("UPDATE " + table + " SET extraction_state = :state, extraction_job_id = :job, "
                        + "extracted_at = CASE WHEN :state = 'queued' THEN extracted_at ELSE now() END "
                        + "WHERE " + key + " IN (<keys>) AND " + guard)
                .bind("state", state).bind("job", jobId).bind("me", instance.id()).bindList("keys", keys).execute();
    }

    private static Set<String> fieldNames(TaskDefinition task) {
        Set<String> names = new java.util.LinkedHashSet<>();
        task.inputSchema().schema().path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("row is not JSON", e);
        }
    }

    private record Run(long id, String task, Timestamp since, String[] ids, Integer limit, int priority,
                       String schedule, String mode, java.time.Duration deadline, boolean cache) {
    }
}
