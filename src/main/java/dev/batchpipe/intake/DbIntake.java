package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.store.Instance;
import dev.batchpipe.pipeline.JobCompletion;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work that starts in the database. New and changed rows of a task's source table (story_groups) are claimed
 * and taken in as a job; requested extraction runs select rows of a source table and take them in as the run's
 * job. Claims are atomic across instances ({@code UPDATE … WHERE key IN (SELECT … FOR UPDATE SKIP LOCKED)}) and
 * leased: a claim whose instance died is taken over when the lease runs out.
 */
public final class DbIntake {

    private static final Logger LOG = LoggerFactory.getLogger(DbIntake.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A run leaves alone rows that an automatic pick-up (of this or another instance) holds right now. */
    private static final String RUN_GUARD = "(extraction_state <> 'claimed' OR claimed_until < now() OR claimed_by = :me)";

    /** {@code autoPickUp}: false leaves new rows for extraction runs, whatever the task files say. */
    public record Settings(int claimSize, Duration lease, boolean autoPickUp) {
    }

    private final Jdbi jdbi;
    private final TaskRegistry tasks;
    private final JobWriter writer;
    private final JobCompletion completion;
    private final Instance instance;
    private final Settings settings;

    public DbIntake(Jdbi jdbi, TaskRegistry tasks, JobWriter writer, JobCompletion completion, Instance instance,
                    Settings settings) {
        this.jdbi = jdbi;
        this.tasks = tasks;
        this.writer = writer;
        this.completion = completion;
        this.instance = instance;
        this.settings = settings;
    }

    /** New and changed rows of every automatically extracted source table; returns how many were taken in. */
    public int pickUpChangedRows() {
        int total = 0;
        for (TaskDefinition task : tasks.all()) {
            if (task.source() == null || !task.source().auto() || !settings.autoPickUp()) {
                continue;
            }
            List<ObjectNode> rows;
            while (!(rows = claimRows(task)).isEmpty()) {
                TaskDefinition.Source s = task.source();
                JobOptions options = new JobOptions(task.name(), "db", null, null, s.priority(), s.schedule());
                JobWriter.Job job = writer.open(options, s.table(), null);
                takeIn(task, options, job.id(), rows, "claimed_by = :me AND extraction_state = 'claimed'");
                writer.finish(job.id(), rows.size());
                LOG.info("{}: {} new or changed row(s) of {} taken in as job {}", task.name(), rows.size(), s.table(),
                        job.id());
                total += rows.size();
            }
        }
        if (total > 0) {
            jdbi.useTransaction(completion::complete);
        }
        return total;
    }

    private List<ObjectNode> claimRows(TaskDefinition task) {
        String table = task.source().table();
        String key = task.keyField();
        return jdbi.withHandle(h -> h.createQuery("UPDATE " + table + " t SET extraction_state = 'claimed', "
                        + "claimed_by = :me, claimed_until = now() + make_interval(secs => :lease) "
                        + "WHERE " + key + " IN (SELECT " + key + " FROM " + table
                        + " WHERE extraction_state = 'pending' OR (extraction_state = 'claimed' AND claimed_until < now()) "
                        + "ORDER BY updated_at LIMIT :n FOR UPDATE SKIP LOCKED) RETURNING to_jsonb(t)::text")
                .bind("me", instance.id()).bind("lease", settings.lease().toSeconds()).bind("n", settings.claimSize())
                .mapTo(String.class).list()).stream().map(DbIntake::json).toList();
    }

    /**
     * Requests an extraction run (what an operator's INSERT into extraction_runs does); a service picks it up at
     * once through NOTIFY. Returns the run's id.
     */
    public long requestRun(String task, java.time.OffsetDateTime since, List<String> ids, Integer limit, int priority,
                           String schedule, String requestedBy) {
        TaskDefinition t = tasks.get(task);
        if (t.source() == null) {
            throw new dev.batchpipe.StartupException("Task " + task + " has no source table (add a source: block to "
                    + t.file() + ")");
        }
        return jdbi.withHandle(h -> h.createQuery("INSERT INTO extraction_runs (task, since, ids, row_limit, priority, "
                        + "schedule, requested_by) VALUES (:task, :since, :ids, :limit, :priority, :schedule, :by) RETURNING id")
                .bind("task", task).bind("since", since)
                .bindArray("ids", String.class, ids == null ? null : ids.toArray())
                .bind("limit", limit).bind("priority", priority).bind("schedule", schedule).bind("by", requestedBy)
                .mapTo(Long.class).one());
    }

    /** Requested extraction runs, claimed and started (taken in); returns how many were started. */
    public int startRequestedRuns() {
        List<Run> runs = jdbi.withHandle(h -> h.createQuery("""
                        UPDATE extraction_runs SET status = 'claimed', claimed_by = :me,
                          claimed_until = now() + make_interval(secs => :lease)
                        WHERE id IN (SELECT id FROM extraction_runs
                                     WHERE status = 'requested' OR (status = 'claimed' AND claimed_until < now())
                                     ORDER BY priority DESC, id LIMIT 5 FOR UPDATE SKIP LOCKED)
                        RETURNING id, task, since, ids, row_limit, priority, schedule""")
                .bind("me", instance.id()).bind("lease", settings.lease().toSeconds())
                .map((rs, ctx) -> new Run(rs.getLong(1), rs.getString(2), rs.getTimestamp(3),
                        rs.getArray(4) == null ? null : (String[]) rs.getArray(4).getArray(),
                        rs.getObject(5) == null ? null : rs.getInt(5), rs.getInt(6), rs.getString(7)))
                .list());
        for (Run run : runs) {
            start(run);
        }
        if (!runs.isEmpty()) {
            jdbi.useTransaction(completion::complete);
        }
        return runs.size();
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
        JobOptions options = new JobOptions(task.name(), "run", null, null, run.priority(), run.schedule());
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
                          rows_selected = :rows, items_new = j.items_accepted, claimed_until = NULL
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
                    if (chunk.size() >= settings.claimSize() || !it.hasNext()) {
                        takeIn(task, options, job.id(), chunk, RUN_GUARD, job.linesRead() + count[0]);
                        count[0] += chunk.size();
                        chunk.clear();
                    }
                }
            }
        });
        return job.linesRead() + count[0];
    }

    private void takeIn(TaskDefinition task, JobOptions options, long jobId, List<ObjectNode> rows, String guard) {
        takeIn(task, options, jobId, rows, guard, 0);
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
        });
    }

    private void move(Handle h, String table, String key, String guard, String state, List<String> keys, long jobId) {
        if (keys.isEmpty()) {
            return;
        }
        h.createUpdate("UPDATE " + table + " SET extraction_state = :state, extraction_job_id = :job, "
                        + "claimed_by = NULL, claimed_until = NULL, "
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
                       String schedule) {
    }
}
