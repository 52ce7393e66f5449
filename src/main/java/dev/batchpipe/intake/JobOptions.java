package dev.batchpipe.intake;

import java.time.Duration;
import java.util.List;
import org.apache.camel.util.TimeUtils;

/**
 * How a job was asked for: which task, from where, the per-run overrides (provider, model) and scheduling (priority
 * 1–10, higher goes first; schedule asap or overnight). {@code force}: items taken in before are processed again in
 * this job (a new request each), instead of being counted as already known. {@code fetch}: the input is a list of URLs
 * whose pages are fetched and taken in as articles ({@link UrlRecords}). {@code mode}: batch or realtime, null for
 * the task's; auto lets the job's size and {@code deadline} choose once all its items are in. {@code deadline}: how
 * soon the job is wanted (null: no hurry), which mode auto weighs against a batch's expected turnaround.
 * {@code cache}: an item answered before for the same request template version is served from the row cache, with no
 * call (false: {@code --no-cache}, every item goes to the provider).
 */
public record JobOptions(String task, String sourceKind, String provider, String model, int priority, String schedule,
                         boolean force, boolean fetch, String mode, Duration deadline, boolean cache) {

    /** The modes a job can be asked for in. */
    public static final List<String> MODES = List.of("batch", "realtime", "auto");

    public JobOptions {
        if (priority < 1 || priority > 10) {
            throw new IllegalArgumentException("priority must be between 1 and 10");
        }
        if (!schedule.equals("asap") && !schedule.equals("overnight")) {
            throw new IllegalArgumentException("schedule must be asap or overnight");
        }
        if (mode != null && !MODES.contains(mode)) {
            throw new IllegalArgumentException("mode must be batch, realtime or auto");
        }
        if (deadline != null && (deadline.isNegative() || deadline.isZero())) {
            throw new IllegalArgumentException("deadline must be positive");
        }
    }

    public JobOptions(String task, String sourceKind, String provider, String model, int priority, String schedule,
                      boolean force) {
        this(task, sourceKind, provider, model, priority, schedule, force, false, null, null, true);
    }

    public JobOptions(String task, String sourceKind, String provider, String model, int priority, String schedule) {
        this(task, sourceKind, provider, model, priority, schedule, false, false, null, null, true);
    }

    public static JobOptions file(String task) {
        return new JobOptions(task, "file", null, null, 5, "asap");
    }

    public JobOptions withOverrides(String provider, String model) {
        return new JobOptions(task, sourceKind, provider, model, priority, schedule, force, fetch, mode, deadline, cache);
    }

    public JobOptions withForce(boolean force) {
        return new JobOptions(task, sourceKind, provider, model, priority, schedule, force, fetch, mode, deadline, cache);
    }

    public JobOptions withFetch(boolean fetch) {
        return new JobOptions(task, sourceKind, provider, model, priority, schedule, force, fetch, mode, deadline, cache);
    }

    /** The job in this mode; null keeps the one asked for (or, when none was, the task's). */
    public JobOptions withMode(String mode) {
        return mode == null ? this
                : new JobOptions(task, sourceKind, provider, model, priority, schedule, force, fetch, mode, deadline, cache);
    }

    public JobOptions withDeadline(Duration deadline) {
        return new JobOptions(task, sourceKind, provider, model, priority, schedule, force, fetch, mode, deadline, cache);
    }

    public JobOptions withCache(boolean cache) {
        return new JobOptions(task, sourceKind, provider, model, priority, schedule, force, fetch, mode, deadline, cache);
    }

    /** A deadline as given on the command line or the API ({@code 2h}, {@code 90m}, {@code 1h30m}); null stays null. */
    public static Duration parseDeadline(String text) {
        if (text == null) {
            return null;
        }
        Duration d;
        try {
            d = TimeUtils.toDuration(text.trim());
        } catch (RuntimeException e) {
            d = null;
        }
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("deadline takes a positive duration such as 2h, 90m or 1h30m, not '"
                    + text + "'");
        }
        return d;
    }
}
