package dev.batchpipe.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.store.DatabaseOutage;
import dev.batchpipe.store.Heartbeat;
import dev.batchpipe.store.Instance;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.DatabaseTest;
import java.time.Duration;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The inbox read lock on a real PostgreSQL: one reader per file, and a stopped reader's files pass on. */
class InboxReadLocksTest extends DatabaseTest {

    private static final String FILE = "/inbox/news-classification/morning.jsonl";

    private final DatabaseOutage outage = new DatabaseOutage();
    private InboxReadLocks a;
    private InboxReadLocks b;

    @BeforeEach
    void twoInstances() {
        db.useHandle(h -> h.execute("TRUNCATE inbox_reads, instances"));
        a = locks("a");
        b = locks("b");
    }

    @Test
    void oneReaderAtATime() {
        assertThat(a.add(FILE)).isTrue();
        assertThat(b.add(FILE)).isFalse();
        assertThat(b.contains(FILE)).isTrue();
        assertThat(b.remove(FILE)).as("only its reader gives a lock back").isFalse();
        assertThat(a.add(FILE)).as("a lock its reader could not give back is its own again").isTrue();
        assertThat(a.remove(FILE)).isTrue();
        assertThat(b.add(FILE)).isTrue();
        assertThat(a.contains(FILE)).isTrue();
    }

    @Test
    void aReaderThatStoppedBeatingLosesItsFiles() {
        assertThat(a.add(FILE)).isTrue();
        db.useHandle(h -> {
            h.execute("UPDATE instances SET heartbeat_at = now() - interval '11 seconds', "
                    + "alive_until = now() - interval '1 second' WHERE id = 'a'");
            h.execute("UPDATE instances SET beating_since = now() - interval '1 minute' WHERE id = 'b'");
        });
        assertThat(b.contains(FILE)).isFalse();
        assertThat(b.add(FILE)).isTrue();
        assertThat(text("SELECT owner FROM inbox_reads")).isEqualTo("b");
    }

    @Test
    void withoutTheDatabaseNoFileIsLockedAndTheOutageIsNoticed() {
        Jdbi nowhere = Jdbi.create("jdbc:postgresql://127.0.0.1:" + BatchpipeProcess.freePort() + "/none?connectTimeout=2");
        InboxReadLocks away = new InboxReadLocks(nowhere, new Instance("c", "host", "installation"), outage);
        assertThat(away.add(FILE)).isFalse();
        assertThat(outage.ongoing()).isTrue();
    }

    private InboxReadLocks locks(String id) {
        Instance instance = new Instance(id, "host", "installation");
        new Heartbeat(db, instance, Duration.ofSeconds(10), outage).beat();
        return new InboxReadLocks(db, instance, outage);
    }
}
