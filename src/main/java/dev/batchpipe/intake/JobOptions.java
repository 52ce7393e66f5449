package dev.batchpipe.intake;

/**
 * How a job was asked for: which task, from where, the per-run overrides (provider, model) and scheduling (priority
 * 1–10, higher goes first; schedule asap or overnight). {@code force}: items taken in before are processed again in
 * this job (a new request each), instead of being counted as already known. {@code fetch}: the input is a list of URLs
 * whose pages are fetched and taken in as articles ({@link UrlRecords}). {@code mode}: batch or realtime, null for
 * the task's.
 */
public record JobOptions(String task, String sourceKind, String provider, String model, int priority, String schedule,
                         boolean force, boolean fetch, String mode) {

    public JobOptions {
        if (priority < 1 || priority > 10) {
            throw new IllegalArgumentException("priority must be between 1 and 10");
        }
        if (!schedule.equals("asap") && !schedule.equals("overnight")) {
            throw new IllegalArgumentException("schedule must be asap or overnight");
        }
        if (mode != null && !mode.equals("batch") && !mode.equals("realtime")) {
            throw new IllegalArgumentException("mode must be batch or realtime");
        }
    }

    public JobOptions(String task, String sourceKind, String provider, String model, int priority, String schedule,
                      boolean force) {
        this(task, sourceKind, provider, model, priority, schedule, force, false, null);
    }

    public JobOptions(String task, String sourceKind, String provider, String model, int priority, String schedule) {
        this(task, sourceKind, provider, model, priority, schedule, false, false, null);
    }

    public static JobOptions file(String task) {
        return new JobOptions(task, "file", null, null, 5, "asap");
    }

    public JobOptions withOverrides(String provider, String model) {
        return new JobOptions(task, sourceKind, provider, model, priority, schedule, force, fetch, mode);
    }

    public JobOptions withForce(boolean force) {
        return new JobOptions(task, sourceKind, provider, model, priority, schedule, force, fetch, mode);
    }

    public JobOptions withFetch(boolean fetch) {
        return new JobOptions(task, sourceKind, provider, model, priority, schedule, force, fetch, mode);
    }

    /** The job in this mode; null keeps the one asked for (or, when none was, the task's). */
    public JobOptions withMode(String mode) {
        return mode == null ? this : new JobOptions(task, sourceKind, provider, model, priority, schedule, force, fetch, mode);
    }
}
