package dev.batchpipe.pipeline;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/**
 * The requests nothing more will be tried for until someone looks: listing them, and replaying them (back to
 * pending with fresh budgets, their jobs, source rows and runs open again) once the cause is fixed.
 */
public final class DeadLetters {

    private final Jdbi jdbi;
    private final JobCompletion completion;

    public DeadLetters(Jdbi jdbi, JobCompletion completion) {
        this.jdbi = jdbi;
        this.completion = completion;
    }

    /** Which dead letters: all open ones, or those of a task, a job, or with these ids (null = any). */
    public record Selection(String task, Long job, List<Long> ids) {
        public static Selection all() {
            return new Selection(null, null, null);
        }

        private String where() {
            List<String> conditions = new ArrayList<>(List.of("d.replayed_at IS NULL"));
            if (task != null) {
                conditions.add("d.task = :task");
            }
            if (job != null) {
                conditions.add("d.job_id = :job");
            }
            if (ids != null && !ids.isEmpty()) {
                conditions.add("d.id IN (<ids>)");
            }
            return String.join(" AND ", conditions);
        }

        private <T extends org.jdbi.v3.core.statement.SqlStatement<T>> T bind(T statement) {
            if (task != null) {
                statement.bind("task", task);
            }
            if (job != null) {
                statement.bind("job", job);
            }
            if (ids != null && !ids.isEmpty()) {
                statement.bindList("ids", ids);
            }
            return statement;
        }
    }

    public record Entry(long id, long jobId, String task, String item, long line, int attempts, String reason,
                        Instant createdAt) {
    }

    public List<Entry> list(Selection selection, int limit) {
        return list(selection, 0, limit);
    }

    /** The selected dead letters with an id above {@code after}, oldest first (a page of them). */
    public List<Entry> list(Selection selection, long after, int limit) {
        return jdbi.withHandle(h -> selection.bind(h.createQuery(
                        "SELECT d.id, d.job_id, d.task, i.source_key, coalesce(i.line, 0), r.attempts, d.reason, d.created_at "
                                + "FROM dead_letters d JOIN requests r ON r.id = d.request_id JOIN items i ON i.id = r.item_id "
                                + "WHERE " + selection.where() + " AND d.id > :after ORDER BY d.id LIMIT :limit"))
                .bind("after", after).bind("limit", limit)
                .map((rs, ctx) -> new Entry(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                        rs.getInt(6), rs.getString(7), rs.getTimestamp(8).toInstant()))
                .list());
    }

    /** Replays the selected dead letters; returns how many requests went back to pending. */
    public int replay(Selection selection) {
        return jdbi.inTransaction(h -> {
            List<Map<String, Object>> replayed = selection.bind(h.createQuery("UPDATE dead_letters d SET replayed_at = now() "
                            + "WHERE " + selection.where() + " RETURNING d.request_id, d.job_id"))
                    .mapToMap().list();
            if (replayed.isEmpty()) {
                return 0;
            }
            List<Long> requests = replayed.stream().map(m -> ((Number) m.get("request_id")).longValue()).toList();
            List<Long> jobs = replayed.stream().map(m -> ((Number) m.get("job_id")).longValue()).distinct().toList();
            h.createUpdate("UPDATE requests SET state = 'pending', attempts = 0, transient_failures = 0, batch_id = NULL, "
                            + "not_before = NULL, last_error = 'replayed after: ' || coalesce(last_error, ''), updated_at = now() "
                            + "WHERE id IN (<ids>) AND state = 'dead'")
                    .bindList("ids", requests).execute();
            completion.reopen(h, jobs, List.of("failed"));
            return requests.size();
        });
    }
}
