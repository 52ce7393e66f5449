package dev.batchpipe.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A claiming consumer polls on its own schedule, and at once when woken; one that never started is not polled. */
class ClaimPollsTest {

    @Test
    void wakingPollsEveryStartedConsumerAtOnceOnItsOwnThread() {
        ClaimPolls polls = new ClaimPolls();
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
        try {
            AtomicInteger started = new AtomicInteger();
            AtomicInteger idle = new AtomicInteger();
            ClaimPolls.Scheduler running = schedule(polls, thread, started::incrementAndGet);
            running.startScheduler();
            schedule(polls, thread, idle::incrementAndGet); // scheduled, never started

            polls.wake();
            polls.wake();

            // the schedule's own first poll is an hour away: these two come from the wake-ups
            await().atMost(Duration.ofSeconds(5)).until(() -> started.get() == 2);
            assertThat(idle.get()).isZero();
        } finally {
            thread.shutdownNow();
        }
    }

    private static ClaimPolls.Scheduler schedule(ClaimPolls polls, ScheduledExecutorService thread, Runnable poll) {
        ClaimPolls.Scheduler s = polls.scheduler();
        s.setScheduledExecutorService(thread);
        s.setInitialDelay(TimeUnit.HOURS.toMillis(1));
        s.setDelay(TimeUnit.HOURS.toMillis(1));
        s.scheduleTask(poll);
        return s;
    }
}
