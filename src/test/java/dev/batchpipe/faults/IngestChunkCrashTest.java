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
 * kill -9 in the middle of an ingest chunk: the second chunk of 10 result lines has its output rows written together
 * but not yet its results and request states. After a restart the batch is ingested again from its first line; the
 * chunk committed before writes nothing twice, and every item has exactly one row.
 */
class IngestChunkCrashTest {

    private static final int ARTICLES = 60;

    @TempDir
    Path dir;

    @Test
    void aKillInTheMiddleOfAnIngestChunkLosesAndDuplicatesNothing() throws Exception {
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        try (Sandboxes sandbox = Sandboxes.start(dir, "--speed", "2000", "--stage-delay", "100ms")) {
            CrashSafetyTest.drop(dir, ARTICLES, "chunk");
            Map<String, String> env = CrashSafetyTest.env(dir, url, sandbox, "mid-ingest-chunk:2");
            env.put("BATCHPIPE_INGEST_CHUNK_SIZE", "10");
            try (BatchpipeProcess victim = BatchpipeProcess.start(dir, env, "run")) {
                assertThat(victim.waitFor(Duration.ofSeconds(240))).as(victim.output()).isEqualTo(137);
                assertThat(victim.output()).contains("Crash point mid-ingest-chunk reached");
            }
            long written = db.withHandle(h -> h.createQuery("SELECT count(*) FROM news_classifications")
                    .mapTo(Long.class).one());
            assertThat(written).as("rows committed before the kill: at most the one chunk before it").isLessThanOrEqualTo(10);
            CrashSafetyTest.restartUntilAllDone(dir, env, db, ARTICLES);
            CrashSafetyTest.assertNothingLostOrDuplicated(db, sandbox, ARTICLES, 1);
        }
    }
}
