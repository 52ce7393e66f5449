package dev.batchpipe.realtime;

import dev.batchpipe.store.Instance;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;

/**
 * Claims due requests of realtime jobs with a lease ({@code SKIP LOCKED}, so instances share them; a dead instance's
 * claims are taken again when the lease ends), never more than the free call slots of this instance. A claim starts a
 * new submission, unless the current one was already answered (recorded before a crash): then it is written as it is.
 * A request whose provider and model, or task, reached its daily cap ({@link DailyCaps}) is not claimed until the
 * next day.
 */
public final class RealtimeClaims {

    /** Due requests of realtime jobs outside the paused scopes, locked; whether each has a recorded answer. */
    private static final String DUE = """
            SELECT r.id, r.task, r.provider, r.model,
                   EXISTS (SELECT 1 FROM realtime_answers a WHERE a.request_id = r.id AND a.submission = r.submissions)
            FROM requests r JOIN jobs j ON j.id = r.job_id
            WHERE r.state = 'pending' AND j.mode = 'realtime'
              AND (r.not_before IS NULL OR r.not_before <= now())
              AND (r.call_until IS NULL OR r.call_until < now())
              AND r.provider <> ALL(:held)
              AND r.provider || '/' || r.model <> ALL(:paused) AND 'task:' || r.task <> ALL(:paused)
            ORDER BY r.priority DESC, r.id LIMIT :n
            FOR UPDATE OF r SKIP LOCKED""";

    private static final String CLAIM = """
            UPDATE requests r SET call_owner = :me, call_until = now() + make_interval(secs => :lease), updated_at = now(),
                   submissions = r.submissions + CASE WHEN EXISTS (SELECT 1 FROM realtime_answers a
                       WHERE a.request_id = r.id AND a.submission = r.submissions) THEN 0 ELSE 1 END
            WHERE r.id = ANY(:ids)
            RETURNING r.id, r.submissions, r.task, r.template, r.provider, r.model, r.endpoint, r.estimated_tokens,
                      coalesce(r.max_output_tokens, 0), (SELECT i.payload::text FROM items i WHERE i.id = r.item_id),
                      (SELECT a.response::text FROM realtime_answers a
                       WHERE a.request_id = r.id AND a.submission = r.submissions)""";

    private record Due(long id, String task, String provider, String model, boolean answered) {
    }

    private final Jdbi jdbi;
    private final Instance instance;
    private final Duration lease;
    private final int slots;
    private final List<String> held;
    private final DailyCaps caps;
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * {@code slots}: calls this instance has claimed and not finished, at most; {@code held}: providers that wait;
     * {@code caps}: the daily caps each call is counted against (a call that writes a recorded answer sends nothing).
     */
    public RealtimeClaims(Jdbi jdbi, Instance instance, Duration lease, int slots, Collection<String> held,
                         DailyCaps caps) {
        this.jdbi = jdbi;
        this.caps = caps;
        this.instance = instance;
        this.lease = lease;
        this.slots = slots;
        this.held = List.copyOf(held);
    }

    /**
     * As many due requests as there are free slots and today's caps admit, each with its submission recorded (no
     * batch).
     */
    public List<RealtimeCall> claim() {
        int free = slots - inFlight.get();
        if (free <= 0) {
            return List.of();
        }
        List<RealtimeCall> calls = jdbi.inTransaction(h -> {
            List<Due> due = h.createQuery(DUE).bind("n", free).bindArray("held", String.class, held)
                    .bindArray("paused", String.class, caps.paused(h))
                    .map((rs, ctx) -> new Due(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getBoolean(5)))
                    .list();
            Long[] admitted = due.stream().filter(d -> d.answered() || caps.admit(h, d.task(), d.provider(), d.model()))
                    .map(Due::id).toArray(Long[]::new);
            if (admitted.length == 0) {
                return List.<RealtimeCall>of();
            }
            List<RealtimeCall> claimed = h.createQuery(CLAIM).bind("me", instance.id())
                    .bind("lease", lease.toMillis() / 1000.0).bindArray("ids", Long.class, (Object[]) admitted)
                    .map((rs, ctx) -> new RealtimeCall(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getString(7), rs.getInt(8), rs.getInt(9),
                            rs.getString(10), rs.getString(11)))
                    .list();
            for (RealtimeCall c : claimed) {
                h.createUpdate("INSERT INTO request_submissions (request_id, batch_id, submission) "
                                + "VALUES (:id, NULL, :s) ON CONFLICT DO NOTHING")
                        .bind("id", c.requestId()).bind("s", c.submission()).execute();
            }
            return claimed;
        });
        inFlight.addAndGet(calls.size());
        return calls;
    }

    /** The call is over, whatever its outcome: its slot is free and its lease released. */
    public void done(RealtimeCall call) {
        inFlight.decrementAndGet();
        jdbi.useHandle(h -> h.createUpdate("UPDATE requests SET call_owner = NULL, call_until = NULL "
                + "WHERE id = :id AND call_owner = :me").bind("id", call.requestId()).bind("me", instance.id()).execute());
    }
}
