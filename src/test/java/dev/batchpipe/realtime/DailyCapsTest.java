package dev.batchpipe.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.DatabaseTest;
import dev.batchpipe.support.MovableClock;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Daily caps on a real PostgreSQL (one database for the class: each test counts its own scopes): two instances count against one cap, a task's cap and a model's are both kept, a
 * new day starts a new count, and a raised cap ends the pause at once.
 */
class DailyCapsTest extends DatabaseTest {

    private final MovableClock clock = new MovableClock();
    private final AtomicLong modelCap = new AtomicLong(3);
    private final TaskRegistry tasks = new TaskRegistry(List.of(new TaskDefinition("capped", null, "capped.yaml", "id",
            null, "openai", "m", List.of(), null, null, "realtime", 2, List.of(), null)));

    private DailyCaps caps() {
        return new DailyCaps((provider, model, kind) -> kind.equals("daily-requests") && model.startsWith("m-")
                ? modelCap.get() : 0, tasks, clock);
    }

    private boolean admit(DailyCaps caps, String task, String model) {
        return db.inTransaction(h -> caps.admit(h, task, "openai", model));
    }

    private List<String> paused(DailyCaps caps) {
        return db.inTransaction(caps::paused);
    }

    @Test
    void twoInstancesCountAgainstOneCapAndANewDayStartsAgain() {
        DailyCaps first = caps();
        DailyCaps second = caps();
        int admitted = 0;
        for (int i = 0; i < 6; i++) {
            admitted += admit(i % 2 == 0 ? first : second, "other", "m-shared") ? 1 : 0;
        }
        assertThat(admitted).isEqualTo(3);
        assertThat(paused(first)).contains("openai/m-shared");
        assertThat(DailyCaps.resumesAt(first.today())).isAfter(clock.instant());

        clock.advance(Duration.ofDays(1));

        assertThat(paused(second)).doesNotContain("openai/m-shared");
        assertThat(admit(second, "other", "m-shared")).isTrue();
    }

    @Test
    void aTaskCapRefusesWithoutCountingTheModelCap() {
        DailyCaps caps = caps();
        modelCap.set(5);
        assertThat(List.of(admit(caps, "capped", "m-both"), admit(caps, "capped", "m-both"), admit(caps, "capped", "m-both")))
                .containsExactly(true, true, false);
        assertThat(count("SELECT requests FROM daily_requests WHERE scope = 'openai/m-both'")).isEqualTo(2);
        assertThat(paused(caps)).contains("task:capped").doesNotContain("openai/m-both");
        // a model without a cap, of a task without one: nothing counted
        assertThat(admit(caps, "other", "free")).isTrue();
        assertThat(count("SELECT count(*) FROM daily_requests WHERE scope LIKE '%free%'")).isZero();
    }

    @Test
    void aRaisedCapEndsThePauseAtOnce() {
        DailyCaps caps = caps();
        modelCap.set(1);
        assertThat(admit(caps, "other", "m-raised")).isTrue();
        assertThat(admit(caps, "other", "m-raised")).isFalse();
        assertThat(paused(caps)).contains("openai/m-raised");

        modelCap.set(2);

        assertThat(paused(caps)).doesNotContain("openai/m-raised");
        assertThat(admit(caps, "other", "m-raised")).isTrue();
        assertThat(paused(caps)).contains("openai/m-raised");
    }
}
