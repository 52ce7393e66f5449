package dev.batchpipe.realtime;

import dev.batchpipe.task.TaskRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The daily request caps of realtime mode: per provider and model ({@code BATCHPIPE_<PROVIDER>_DAILY_REQUESTS}, or
 * {@code _DAILY_REQUESTS_<MODEL>}) and per task ({@code daily_limit:}). Each request a claim sends is counted in
 * {@code daily_requests} for its scopes and the UTC day of the {@code clock}, in the claim's transaction, by one
 * atomic upsert that counts only while under the cap, so instances on one database never admit more than the cap
 * between them. A scope whose count reached its cap is paused: its requests wait, and the next day (a new row) they
 * go on by themselves.
 */
public final class DailyCaps {

    /** The cap stored for a scope whose cap was removed from the configuration: it never pauses again. */
    private static final int NONE = Integer.MAX_VALUE;

    private final RateLimiter.Configured configured;
    private final TaskRegistry tasks;
    private final Clock clock;

    public DailyCaps(RateLimiter.Configured configured, TaskRegistry tasks, Clock clock) {
        this.configured = configured;
        this.tasks = tasks;
        this.clock = clock;
    }

    /** The UTC day requests count against now. */
    public LocalDate today() {
        return LocalDate.now(clock.withZone(ZoneOffset.UTC));
    }

    /** When the pauses of today end: the start of the next UTC day. */
    public static Instant resumesAt(LocalDate day) {
        return day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** The capped scopes of a request with their caps ({@code provider/model}, {@code task:name}). */
    Map<String, Integer> caps(String task, String provider, String model) {
        Map<String, Integer> caps = new LinkedHashMap<>();
        long modelCap = configured.limit(provider, model, "daily-requests");
        if (modelCap > 0) {
            caps.put(provider + "/" + model, (int) Math.min(modelCap, NONE - 1));
        }
        Integer taskCap = tasks.has(task) ? tasks.get(task).dailyLimit() : null;
        if (taskCap != null) {
            caps.put("task:" + task, taskCap);
        }
        return caps;
    }

    /**
     * The scopes paused today. A paused scope whose cap was changed since (raised, or removed) takes the new cap
     * first, so raising a cap resumes its work at once.
     */
    public List<String> paused(Handle h) {
        LocalDate day = today();
        record Count(String scope, int requests, int cap) {
        }
        List<Count> reached = h.createQuery("SELECT scope, requests, cap FROM daily_requests "
                        + "WHERE day = :day AND requests >= cap")
                .bind("day", day).map((rs, ctx) -> new Count(rs.getString(1), rs.getInt(2), rs.getInt(3))).list();
        List<String> paused = new ArrayList<>();
        for (Count c : reached) {
            int cap = current(c.scope());
            if (cap != c.cap()) {
                h.createUpdate("UPDATE daily_requests SET cap = :cap WHERE scope = :scope AND day = :day")
                        .bind("cap", cap).bind("scope", c.scope()).bind("day", day).execute();
            }
            if (c.requests() >= cap) {
                paused.add(c.scope());
            }
        }
        return paused;
    }

    /**
     * Counts one request against today's caps of its scopes, in the caller's transaction; false (and nothing
     * counted) when one of them has reached its cap.
     */
    public boolean admit(Handle h, String task, String provider, String model) {
        LocalDate day = today();
        List<String> counted = new ArrayList<>();
        for (Map.Entry<String, Integer> cap : caps(task, provider, model).entrySet()) {
            boolean admitted = h.createQuery("""
                            INSERT INTO daily_requests (scope, day, requests, cap) VALUES (:scope, :day, 1, :cap)
                            ON CONFLICT (scope, day) DO UPDATE SET requests = daily_requests.requests + 1, cap = EXCLUDED.cap,
                                counted_at = now()
                            WHERE daily_requests.requests < EXCLUDED.cap
                            RETURNING requests""")
                    .bind("scope", cap.getKey()).bind("day", day).bind("cap", cap.getValue())
                    .mapTo(Integer.class).findOne().isPresent();
            if (!admitted) {
                if (!counted.isEmpty()) {
                    h.createUpdate("UPDATE daily_requests SET requests = requests - 1 WHERE day = :day AND scope IN (<scopes>)")
                            .bind("day", day).bindList("scopes", counted).execute();
                }
                return false;
            }
            counted.add(cap.getKey());
        }
        return true;
    }

    /** The cap now configured for a scope; {@link #NONE} when it has none any more. */
    private int current(String scope) {
        if (scope.startsWith("task:")) {
            String task = scope.substring("task:".length());
            Integer cap = tasks.has(task) ? tasks.get(task).dailyLimit() : null;
            return cap == null ? NONE : cap;
        }
        int slash = scope.indexOf('/');
        long cap = configured.limit(scope.substring(0, slash), scope.substring(slash + 1), "daily-requests");
        return cap > 0 ? (int) Math.min(cap, NONE - 1) : NONE;
    }
}
