package dev.batchpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The row cache as a user meets it, each run its own process on one database (the built-in sandbox answers): a file
 * processed again is answered from the cache with no call; after the task's prompt is edited it misses; --no-cache
 * asks again. Each run's summary says which.
 */
class RowCacheCliTest {

    @TempDir
    Path dir;

    @Test
    void theCacheAnswersARunAgainUntilThePromptChangesOrItIsBypassed() throws Exception {
        String url = TestDatabase.freshUrl();
        Path tasks = Files.createDirectories(dir.resolve("tasks"));
        Path task = tasks.resolve("topic-enrichment.yaml");
        Files.copy(Path.of("tasks/topic-enrichment.yaml"), task);
        List<String> lines = Files.readAllLines(Path.of("samples/topics.csv"));
        Files.write(dir.resolve("topics.csv"), lines.subList(0, 11));
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", url, "BATCHPIPE_SANDBOX", "true",
                "BATCHPIPE_TASKS_DIR", tasks.toString());

        assertThat(process(env)).contains("summary    10 in all: 0 cache hit(s), 10 newly answered, 0 failed; "
                + "success rate 100.0%");
        assertThat(process(env, "--force")).contains("summary    10 in all: 10 cache hit(s), 0 newly answered, 0 failed; "
                + "success rate 100.0%").contains("tokens     0 in, 0 out");
        Files.writeString(task, Files.readString(task).replace("You write course catalogues.",
                "You write course catalogues for beginners."));
        assertThat(process(env, "--force")).as("an edited prompt").contains("0 cache hit(s), 10 newly answered");
        assertThat(process(env, "--force", "--no-cache")).contains("0 cache hit(s), 10 newly answered");

        Jdbi db = Jdbi.create(url);
        List<Long> sent = db.withHandle(h -> h.createQuery("SELECT count(s.request_id) FROM requests r "
                        + "LEFT JOIN request_submissions s ON s.request_id = r.id GROUP BY r.job_id ORDER BY r.job_id")
                .mapTo(Long.class).list());
        assertThat(sent).as("requests sent per job").containsExactly(10L, 0L, 10L, 10L);
        long rows = db.withHandle(h -> h.createQuery("SELECT count(*) FROM topic_enrichments").mapTo(Long.class).one());
        assertThat(rows).isEqualTo(10);
    }

    private String process(Map<String, String> env, String... options) throws Exception {
        String[] args = new String[7 + options.length];
        System.arraycopy(new String[] {"process", "topics.csv", "--task", "topic-enrichment", "--mode", "realtime",
                "--wait"}, 0, args, 0, 7);
        System.arraycopy(options, 0, args, 7, options.length);
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, args)) {
            assertThat(p.waitFor(Duration.ofSeconds(120))).as(p.output()).isZero();
            return p.output();
        }
    }
}
