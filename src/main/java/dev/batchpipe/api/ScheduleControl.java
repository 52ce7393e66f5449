package dev.batchpipe.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.function.Supplier;
import org.quartz.CronTrigger;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.Trigger;
import org.quartz.TriggerKey;
import org.quartz.impl.matchers.GroupMatcher;

/**
 * The overnight submission windows (routes/schedules.camel.yaml): one Quartz cron trigger per task, in the group
 * {@code batchpipe-overnight}. Pausing and resuming act on the trigger, which Quartz keeps in PostgreSQL, so a pause
 * holds for every instance and over restarts; triggering fires the window's job now, on one instance.
 */
public final class ScheduleControl {

    static final String GROUP = "batchpipe-overnight";

    /** A task's window. {@code state}: normal, paused, blocked (firing now), error or complete (Quartz's words). */
    public record Schedule(String id, String task, String routeId, String cron, String timeZone, String state,
                           Instant nextFireAt, Instant previousFireAt) {
    }

    public record ScheduleList(List<Schedule> items) {
    }

    private final Supplier<Scheduler> scheduler;

    /** {@code scheduler}: the Quartz component's, asked for when a call needs it (it starts with the routes). */
    public ScheduleControl(Supplier<Scheduler> scheduler) {
        this.scheduler = scheduler;
    }

    public ScheduleList list() throws SchedulerException {
        List<Schedule> schedules = new ArrayList<>();
        Scheduler s = scheduler.get();
        for (TriggerKey key : s.getTriggerKeys(GroupMatcher.triggerGroupEquals(GROUP)).stream()
                .sorted((a, b) -> a.getName().compareTo(b.getName())).toList()) {
            schedules.add(schedule(s, key));
        }
        return new ScheduleList(schedules);
    }

    public Schedule pause(String id) throws SchedulerException {
        TriggerKey key = existing(id);
        scheduler.get().pauseTrigger(key);
        return schedule(scheduler.get(), key);
    }

    public Schedule resume(String id) throws SchedulerException {
        TriggerKey key = existing(id);
        scheduler.get().resumeTrigger(key);
        return schedule(scheduler.get(), key);
    }

    /** Opens the window now (its job runs on one instance of the cluster), paused or not; the cron is unchanged. */
    public Schedule trigger(String id) throws SchedulerException {
        TriggerKey key = existing(id);
        scheduler.get().triggerJob(new JobKey(key.getName(), key.getGroup()));
        return schedule(scheduler.get(), key);
    }

    private TriggerKey existing(String id) throws SchedulerException {
        TriggerKey key = new TriggerKey(id, GROUP);
        if (!scheduler.get().checkExists(key)) {
            throw new ApiProblem(404, "no schedule " + id + " (GET /api/schedules lists them)");
        }
        return key;
    }

    private static Schedule schedule(Scheduler s, TriggerKey key) throws SchedulerException {
        Trigger t = s.getTrigger(key);
        String cron = t instanceof CronTrigger c ? c.getCronExpression() : null;
        String zone = t instanceof CronTrigger c ? c.getTimeZone().getID() : null;
        return new Schedule(key.getName(), key.getName(), "overnight-" + key.getName(), cron, zone,
                s.getTriggerState(key).name().toLowerCase(java.util.Locale.ROOT), instant(t.getNextFireTime()),
                instant(t.getPreviousFireTime()));
    }

    private static Instant instant(Date d) {
        return d == null ? null : d.toInstant();
    }
}
