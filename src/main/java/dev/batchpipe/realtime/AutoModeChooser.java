package dev.batchpipe.realtime;

import dev.batchpipe.api.TaskEstimate;
import dev.batchpipe.task.TaskRegistry;
import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * Chooses the mode of each job asked for in mode auto, once all its items are in (it waits as 'auto' meanwhile, taken
 * by neither packing nor the realtime claims), and records the reason on the job: realtime when it has fewer items
 * than {@code batchpipe.auto.realtime-below}, or when a batch is expected to take longer than the time left before
 * its deadline (the estimate's makespan: this provider's median turnaround here, else its 24-hour window); otherwise
 * batch, at half the price.
 */
public final class AutoModeChooser {

    /** A job's mode and why. */
    public record Choice(String mode, String reason) {
    }

    private record Waiting(long id, String task, String provider, String model, long items, Long secondsLeft) {
    }

    private static final String WAITING = """
            SELECT id, task, provider, model, items_accepted,
                   CAST(floor(extract(epoch FROM deadline_at - now())) AS bigint) AS seconds_left
            FROM jobs WHERE mode = 'auto' AND status <> 'receiving'
            ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED""";

    private final Jdbi jdbi;
    private final TaskRegistry tasks;
    private final TaskEstimate estimates;
    private final long realtimeBelow;

    public AutoModeChooser(Jdbi jdbi, TaskRegistry tasks, TaskEstimate estimates, long realtimeBelow) {
        this.jdbi = jdbi;
        this.tasks = tasks;
        this.estimates = estimates;
        this.realtimeBelow = realtimeBelow;
    }

    /** Chooses for the jobs whose items are all in; returns how many went to batch (packing is then wanted). */
    public int choose() {
        return jdbi.inTransaction(h -> {
            List<Waiting> waiting = h.createQuery(WAITING)
                    .map((rs, ctx) -> new Waiting(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getLong(5), rs.getObject(6) == null ? null : rs.getLong(6)))
                    .list();
            int batch = 0;
            for (Waiting w : waiting) {
                Choice c = choice(w);
                h.createUpdate("UPDATE jobs SET mode = :mode, mode_reason = :reason WHERE id = :id")
                        .bind("mode", c.mode()).bind("reason", c.reason()).bind("id", w.id()).execute();
                batch += c.mode().equals("batch") ? 1 : 0;
            }
            return batch;
        });
    }

    private Choice choice(Waiting w) {
        if (w.items() == 0 || w.items() < realtimeBelow || w.secondsLeft() == null || !tasks.has(w.task())) {
            return rule(w.items(), realtimeBelow, w.secondsLeft(), 0, null);
        }
        TaskEstimate.Estimate e = estimates.ofCount(tasks.get(w.task()), w.provider(), w.model(), w.items());
        String basis = e.groups().stream().anyMatch(g -> g.makespanBasis().equals("completion_window"))
                ? "the provider's 24-hour window" : "the median turnaround of batches here";
        return rule(w.items(), realtimeBelow, w.secondsLeft(), e.expectedMakespanSeconds(), basis);
    }

    /**
     * The rule: {@code secondsLeft} before the deadline (null: none); {@code makespanSeconds} a batch is expected to
     * take, on {@code basis}.
     */
    static Choice rule(long items, long realtimeBelow, Long secondsLeft, long makespanSeconds, String basis) {
        if (items == 0) {
            return new Choice("batch", "nothing to send");
        }
        if (items < realtimeBelow) {
            return new Choice("realtime", items + " item(s), fewer than batchpipe.auto.realtime-below (" + realtimeBelow
                    + ")");
        }
        String size = items + " item(s), not fewer than batchpipe.auto.realtime-below (" + realtimeBelow + ")";
        if (secondsLeft == null) {
            return new Choice("batch", size + ", and no deadline");
        }
        String expected = "a batch is expected to take " + hours(makespanSeconds) + " (" + basis + ")";
        if (makespanSeconds > secondsLeft) {
            return new Choice("realtime", expected + ", more than the " + hours(Math.max(0, secondsLeft))
                    + " left before the deadline");
        }
        return new Choice("batch", size + "; " + expected + ", within the " + hours(secondsLeft)
                + " left before the deadline");
    }

    private static String hours(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        return d.toHours() + "h " + String.format("%02dm", d.toMinutesPart());
    }
}
