package dev.batchpipe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code process FILE --force}, as a user runs it (separate processes, the built-in sandbox): a file taken in before is
 * processed again only when asked to, as a new job with the provider and model given, and its rows replace the old.
 */
class ForcedProcessTest {

    @TempDir
    Path dir;

    @Test
    void aFileTakenInBeforeIsProcessedAgainOnlyWithForceAndItsRowsAreReplaced() throws Exception {
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        Map<String, String> env = Map.of("BATCHPIPE_DB_URL", url, "BATCHPIPE_SANDBOX", "true",
                "BATCHPIPE_POLL_FIRST_INTERVAL", "200ms", "BATCHPIPE_POLL_MAX_INTERVAL", "500ms");
        StringBuilder articles = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            articles.append("{\"id\":\"f-").append(i).append("\",\"title\":\"Rates ").append(i)
                    .append("\",\"contents\":\"Garanti BBVA raised deposit rates, report ").append(i).append(".\"}\n");
        }
        Files.writeString(dir.resolve("news.jsonl"), articles);

        try (BatchpipeProcess p = process(env, "--wait")) {
            assertThat(p.waitFor(Duration.ofSeconds(120))).as(p.output()).isZero();
            assertThat(p.output()).contains("Job 1: 3 new item(s) taken in");
        }

        // another provider asked for, without --force: nothing is done, and the output says why and what to do
        try (BatchpipeProcess p = process(env, "--provider", "anthropic")) {
            assertThat(p.waitFor(Duration.ofSeconds(60))).as(p.output()).isZero();
            assertThat(p.output()).contains("was already taken in as job 1").contains("add --force")
                    .doesNotContain("Submitted");
        }
        assertThat(count(db, "SELECT count(*) FROM jobs")).isEqualTo(1);

        try (BatchpipeProcess p = process(env, "--provider", "anthropic", "--model", "claude-sonnet-4-5", "--force",
                "--wait")) {
            assertThat(p.waitFor(Duration.ofSeconds(120))).as(p.output()).isZero();
            assertThat(p.output()).contains("Job 2: 3 item(s) taken in to process again")
                    .contains("Job 2  news-classification  succeeded");
        }
        assertThat(count(db, "SELECT count(*) FROM items")).as("the same items, not copies").isEqualTo(3);
        assertThat(count(db, "SELECT count(*) FROM news_classifications")).as("rows replaced, not added").isEqualTo(3);
        assertThat(count(db, "SELECT count(*) FROM news_classifications n JOIN requests r ON r.id = n.request_id "
                + "WHERE r.job_id = 2 AND r.provider = 'anthropic' AND r.model = 'claude-sonnet-4-5'"))
                .as("every row names the request of the forced job that wrote it").isEqualTo(3);
        assertThat(count(db, "SELECT count(*) FROM requests WHERE job_id = 1 AND state = 'succeeded'"))
                .as("the first job's requests keep their own outcome").isEqualTo(3);
    }

    private BatchpipeProcess process(Map<String, String> env, String... options) throws Exception {
        String[] args = new String[4 + options.length];
        args[0] = "process";
        args[1] = "news.jsonl";
        args[2] = "--task";
        args[3] = "news-classification";
        System.arraycopy(options, 0, args, 4, options.length);
        return BatchpipeProcess.start(dir, env, args);
    }

    private static long count(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
