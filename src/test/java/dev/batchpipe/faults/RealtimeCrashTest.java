package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.Sandboxes;
import dev.batchpipe.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code process --mode realtime} killed with SIGKILL right after an answer was recorded, before it was written; a
 * service started afterwards finishes the job. One caller at a time, so the recorded call is the only one in flight
 * at the kill: the sandbox sees exactly one call per item, none repeated, and every item has its one row.
 */
class RealtimeCrashTest {

    private static final int ARTICLES = 12;

    @TempDir
    Path dir;

    @Test
    void aKillAfterAnAnswerArrivedNeverCallsForItAgain() throws Exception {
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        try (Sandboxes sandbox = Sandboxes.start(dir, "--speed", "2000")) {
            Path file = dir.resolve("realtime.jsonl");
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= ARTICLES; i++) {
                sb.append("{\"id\":\"rt-").append(i).append("\",\"title\":\"Bank ").append(i)
                        .append(" raises rates\",\"contents\":\"Akbank raised deposit rates, report ").append(i).append(".\"}\n");
            }
            Files.writeString(file, sb);
            try (BatchpipeProcess victim = BatchpipeProcess.start(dir, env(url, sandbox, "realtime-answered:5"),
                    "process", file.toString(), "--task", "news-classification", "--mode", "realtime", "--wait")) {
                assertThat(victim.waitFor(Duration.ofSeconds(120))).as(victim.output()).isEqualTo(137);
            }
            assertThat(count(db, "SELECT count(*) FROM news_classifications")).isLessThan(ARTICLES);
            try (BatchpipeProcess survivor = BatchpipeProcess.start(dir, env(url, sandbox, null), "run")) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).until(() ->
                        count(db, "SELECT count(*) FROM jobs WHERE status IN ('receiving', 'active')") == 0);
            }
            assertThat(count(db, "SELECT count(*) FROM jobs WHERE mode = 'realtime' AND status = 'succeeded'")).isEqualTo(1);
            assertThat(count(db, "SELECT count(*) FROM news_classifications")).isEqualTo(ARTICLES);
            assertThat(count(db, "SELECT count(*) - count(DISTINCT article_id) FROM news_classifications")).isZero();
            assertThat(count(db, "SELECT count(*) FROM realtime_answers")).isEqualTo(ARTICLES);
            assertThat(sandbox.stats("openai").path("realtimeCalls").asLong()).as("calls made").isEqualTo(ARTICLES);
        }
    }

    private Map<String, String> env(String url, Sandboxes sandbox, String crashAt) {
        Map<String, String> env = new HashMap<>();
        env.put("BATCHPIPE_DB_URL", url);
        env.put("BATCHPIPE_HTTP_PORT", "" + BatchpipeProcess.freePort());
        env.put("BATCHPIPE_INBOX", dir.resolve("inbox").toString());
        env.put("BATCHPIPE_REALTIME_CONCURRENCY", "1");
        // the killed process's claim passes to the service when its lease runs out
        env.put("BATCHPIPE_REALTIME_LEASE", "2s");
        env.put("OPENAI_API_KEY", "sk-realtime-crash");
        env.put("OPENAI_BASE_URL", sandbox.openAiBaseUrl());
        if (crashAt != null) {
            env.put("BATCHPIPE_CRASH_AT", crashAt);
        }
        return env;
    }

    private static long count(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
