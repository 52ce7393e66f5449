package dev.batchpipe.intake;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.support.DefaultScheduledPollConsumerScheduler;

/**
 * The schedules of the camel-sql consumers that claim work in the database (routes/intake-db.camel.yaml): each polls on
 * its own delay, the safety net, and all poll at once when a NOTIFY says work arrived. A woken poll runs on its
 * consumer's own thread, after any poll in progress, so a consumer never polls twice at the same time.
 */
public final class ClaimPolls {

    private final List<Scheduler> schedulers = new CopyOnWriteArrayList<>();

    /** A scheduler for one consumer (its {@code scheduler} option). */
    public Scheduler scheduler() {
        return new Scheduler(this);
    }

    /** Polls every claiming consumer now. */
    public void wake() {
        schedulers.forEach(Scheduler::wake);
    }

    /** Camel's scheduler, which can also be asked to poll now. */
    public static final class Scheduler extends DefaultScheduledPollConsumerScheduler {
        private volatile Runnable poll;

        /** A schedule that {@code polls} wakes with the others (route templates declare one per route). */
        public Scheduler(ClaimPolls polls) {
            polls.schedulers.add(this);
        }

        @Override
        public void scheduleTask(Runnable task) {
            super.scheduleTask(task);
            poll = task;
        }

        void wake() {
            if (poll != null && isSchedulerStarted() && !getScheduledExecutorService().isShutdown()) {
                getScheduledExecutorService().execute(poll);
            }
        }
    }
}
