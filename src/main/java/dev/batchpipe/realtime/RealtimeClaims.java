package dev.batchpipe.realtime;

import dev.batchpipe.pipeline.RequestGroups;
import dev.batchpipe.pipeline.RequestRenderer;
import dev.batchpipe.store.Instance;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;

/**
 * Claims due requests of realtime jobs with a lease ({@code SKIP LOCKED}, so instances share them; a dead instance's
 * claims are taken again when the lease ends), never more than the free call slots of this instance. A claim starts a
 * new submission, unless the current one was already answered and the answer not yet written (recorded before a
 * crash): then it is written as it is.
 * A request whose provider and model, or task, reached its daily cap ({@link DailyCaps}) is not claimed until the
 * next day. Requests of a micro-batching template are claimed together, a group of them per call
 * ({@link RequestGroups}); a call counts once against the caps.
 */
public final class RealtimeClaims {

    /**
     * Due requests of realtime jobs outside the paused scopes, locked, in the order they are called; whether each has
     * a recorded answer. {@code n}: enough rows for the free call slots' groups.
     */
    private static final String DUE = """
            SELECT r.id, r.task, r.template, r.provider, r.model, r.endpoint, r.estimated_tokens, r.alone,
                   EXISTS (SELECT 1 FROM realtime_answers a WHERE a.request_id = r.id AND a.submission = r.submissions
                           AND NOT a.written)
            FROM requests r JOIN jobs j ON j.id = r.job_id
            WHERE r.state = 'pending' AND j.mode = 'realtime'
              AND (r.not_before IS NULL OR r.not_before <= now())
              AND (r.call_until IS NULL OR r.call_until < now())
              AND r.provider <> ALL(:held)
              AND r.provider || '/' || r.model <> ALL(:paused) AND 'task:' || r.task <> ALL(:paused)
            ORDER BY r.priority DESC, r.id LIMIT :n
            FOR UPDATE OF r SKIP LOCKED""";

    /** Claims the requests; a recorded answer's group (the custom id it was sent under) comes back with it. */
    private static final String CLAIM = """
            UPDATE requests r SET call_owner = :me, call_until = now() + make_interval(secs => :lease), updated_at = now(),
                   submissions = r.submissions + CASE WHEN EXISTS (SELECT 1 FROM realtime_answers a
                       WHERE a.request_id = r.id AND a.submission = r.submissions AND NOT a.written) THEN 0 ELSE 1 END
            WHERE r.id = ANY(:ids)
            RETURNING r.id, r.submissions, coalesce(r.max_output_tokens, 0),
                      (SELECT i.payload::text FROM items i WHERE i.id = r.item_id),
                      (SELECT a.response::text FROM realtime_answers a
                       WHERE a.request_id = r.id AND a.submission = r.submissions AND NOT a.written),
                      (SELECT s.group_id FROM request_submissions s
                       WHERE s.request_id = r.id AND s.submission = r.submissions)""";

    private record Due(long id, String task, String template, String provider, String model, String endpoint,
                       int estimatedTokens, boolean alone, boolean answered) {
    }

    private record Claimed(long id, int submission, int maxOutputTokens, String payload, String recordedAnswer,
                           String groupId) {
    }

    private final Jdbi jdbi;
    private final Instance instance;
    private final Duration lease;
    private final int slots;
    private final List<String> held;
    private final DailyCaps caps;
    private final TaskRegistry tasks;
    private final RequestGroups groups;
    private final int rowsPerCall;
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * {@code slots}: calls this instance has claimed and not finished, at most; {@code held}: providers that wait;
     * {@code caps}: the daily caps each call is counted against (a call that writes a recorded answer sends nothing);
     * {@code groups}: how requests of micro-batching templates share calls.
     */
    public RealtimeClaims(Jdbi jdbi, Instance instance, Duration lease, int slots, Collection<String> held,
                         DailyCaps caps, TaskRegistry tasks, RequestGroups groups) {
        this.jdbi = jdbi;
        this.caps = caps;
        this.instance = instance;
        this.lease = lease;
        this.slots = slots;
        this.held = List.copyOf(held);
        this.tasks = tasks;
        this.groups = groups;
        this.rowsPerCall = tasks.all().stream().flatMap(t -> t.requests().stream())
                .mapToInt(TaskDefinition.RequestTemplate::rowsPerRequest).max().orElse(1);
    }

    /**
     * As many calls as there are free slots and today's caps admit, each with its requests' submissions recorded (no
     * batch).
     */
    public List<RealtimeCall> claim() {
        int free = slots - inFlight.get();
        if (free <= 0) {
            return List.of();
        }
        List<RealtimeCall> calls = jdbi.inTransaction(h -> {
            List<Due> due = h.createQuery(DUE).bind("n", free * rowsPerCall).bindArray("held", String.class, held)
                    .bindArray("paused", String.class, caps.paused(h))
                    .map((rs, ctx) -> new Due(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getInt(7), rs.getBoolean(8), rs.getBoolean(9)))
                    .list();
            // an answered request writes its recorded answer: it is a call of its own, which sends nothing
            var grouped = groups.of(due.iterator(), d -> new RequestGroups.Member(d.task(), d.template(),
                    d.provider() + " " + d.model() + " " + d.endpoint(), d.estimatedTokens(), d.alone() || d.answered()));
            List<List<Due>> admitted = new ArrayList<>();
            while (admitted.size() < free && grouped.hasNext()) {
                List<Due> group = grouped.next();
                Due first = group.get(0);
                if (first.answered() || caps.admit(h, first.task(), first.provider(), first.model())) {
                    admitted.add(group);
                }
            }
            if (admitted.isEmpty()) {
                return List.<RealtimeCall>of();
            }
            Long[] ids = admitted.stream().flatMap(List::stream).map(Due::id).toArray(Long[]::new);
            Map<Long, Claimed> claimed = new HashMap<>();
            h.createQuery(CLAIM).bind("me", instance.id()).bind("lease", lease.toMillis() / 1000.0)
                    .bindArray("ids", Long.class, (Object[]) ids)
                    .map((rs, ctx) -> new Claimed(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getString(4),
                            rs.getString(5), rs.getString(6)))
                    .forEach(c -> claimed.put(c.id(), c));
            List<RealtimeCall> made = new ArrayList<>();
            for (List<Due> group : admitted) {
                RealtimeCall call = call(group, claimed);
                for (RealtimeCall.Member m : call.members()) {
                    h.createUpdate("INSERT INTO request_submissions (request_id, batch_id, submission, group_id) "
                                    + "VALUES (:id, NULL, :s, :g) ON CONFLICT DO NOTHING")
                            .bind("id", m.requestId()).bind("s", m.submission())
                            .bind("g", call.members().size() > 1 ? call.customId() : null).execute();
                }
                made.add(call);
            }
            return made;
        });
        inFlight.addAndGet(calls.size());
        return calls;
    }

    /**
     * The call of a claimed group: a micro-batch under its first request's group id; one request under its own custom
     * id, or, when it writes an answer recorded for a micro-batch, under that micro-batch's.
     */
    private RealtimeCall call(List<Due> group, Map<Long, Claimed> claimed) {
        Due first = group.get(0);
        Claimed lead = claimed.get(first.id());
        List<RealtimeCall.Member> members = group.stream().map(d -> {
            Claimed c = claimed.get(d.id());
            return new RealtimeCall.Member(d.id(), c.submission(), d.estimatedTokens(), c.payload());
        }).toList();
        String customId;
        int maxOutput;
        if (group.size() > 1) {
            customId = RequestRenderer.groupId(first.id(), lead.submission());
            maxOutput = RequestGroups.maxOutputTokens(tasks.get(first.task()).request(first.template()), group.size());
        } else {
            customId = lead.groupId() != null ? lead.groupId() : RequestRenderer.customId(first.id(), lead.submission());
            maxOutput = lead.maxOutputTokens();
        }
        return new RealtimeCall(customId, members, first.task(), first.template(), first.provider(), first.model(),
                first.endpoint(), maxOutput, lead.recordedAnswer());
    }

    /** The call is over, whatever its outcome: its slot is free and its requests' leases released. */
    public void done(RealtimeCall call) {
        inFlight.decrementAndGet();
        jdbi.useHandle(h -> h.createUpdate("UPDATE requests SET call_owner = NULL, call_until = NULL "
                        + "WHERE id IN (<ids>) AND call_owner = :me")
                .bindList("ids", call.requestIds()).bind("me", instance.id()).execute());
    }
}
