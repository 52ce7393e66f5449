package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.Sandboxes;
import dev.batchpipe.support.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of an intake chunk: the third chunk of 10 records has its items written together but not yet
 * their requests. After a restart the file is read again after the last chunk committed (line 20); every item is
 * taken in once, with one request and one result.
 */
class IntakeChunkCrashTest {

    private static final int ARTICLES = 60;

    @TempDir
    Path dir;

    @Test
    void aKillInTheMiddleOfAnIntakeChunkLosesAndDuplicatesNothing() throws Exception {
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        try (Sandboxes sandbox = Sandboxes.start(dir, "--speed", "2000", "--stage-delay", "100ms")) {
            CrashSafetyTest.drop(dir, ARTICLES, "intake");
            Map<String, String> env = CrashSafetyTest.env(dir, url, sandbox, "mid-intake-chunk:3");
            try (BatchpipeProcess victim = BatchpipeProcess.start(dir, env, "run")) {
                assertThat(victim.waitFor(Duration.ofSeconds(240))).as(victim.output()).isEqualTo(137);
                assertThat(victim.output()).contains("Crash point mid-intake-chunk reached");
            }
            long items = db.withHandle(h -> h.createQuery("SELECT count(*) FROM items").mapTo(Long.class).one());
            long linesRead = db.withHandle(h -> h.createQuery("SELECT lines_read FROM jobs").mapTo(Long.class).one());
            assertThat(items).as("items of the two chunks committed before the kill").isEqualTo(20);
            assertThat(linesRead).isEqualTo(20);
            CrashSafetyTest.restartUntilAllDone(dir, env, db, ARTICLES);
            CrashSafetyTest.assertNothingLostOrDuplicated(db, sandbox, ARTICLES, 1);
        }
    }
}
