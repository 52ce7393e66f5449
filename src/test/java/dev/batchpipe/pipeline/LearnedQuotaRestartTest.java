package dev.batchpipe.pipeline;

import static dev.batchpipe.support.PipelineTest.articles;
import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.SandboxServer;
import dev.batchpipe.sandbox.TokenCounting;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a refusal and the usage taught batchpipe (the quota the refusal stated, the provider's factor) is in
 * PostgreSQL, not in a process (issue #17): a first {@code batchpipe process} learns both against a sandbox that
 * counts the whole request twice over and enforces a quota of about a quarter of a job; a second process, started
 * afterwards on the same database, packs its job under them from its first batch and is refused nothing.
 */
class LearnedQuotaRestartTest {

    private static final String MODEL = "gpt-4o-mini";
    private static final Pattern ESTIMATE = Pattern.compile("(\\d+) request\\(s\\), (\\d+) input");

    @TempDir
    Path dir;

    @Test
    void aNewProcessOnTheSameDatabasePacksWithTheLearnedQuotaAndFactorBeforeAnyRefusal() throws Exception {
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        Files.writeString(dir.resolve("first.jsonl"), articles("first", 40));
        Files.writeString(dir.resolve("second.jsonl"), articles("second", 40));
        try (SandboxServer sandbox = SandboxServer.start(SandboxConfig.builder().speed(2000)
                .stageDelay(Duration.ofMillis(200)).tickInterval(Duration.ofMillis(20))
                .counting(new TokenCounting(2.0, true)).build())) {
            Map<String, String> env = env(url, sandbox);
            // the provider counts about twice our estimate: a quota of half of it is about a quarter of a job
            long limit = ourEstimate(env, "first.jsonl") / 2;
            sandbox.faults().openAi().enqueuedTokenLimit(MODEL, limit);

            String first = processed(env, "first.jsonl");
            assertThat(first).contains("learned an enqueued-token quota of " + String.format("%,d", limit));
            long refused = count(db, "SELECT count(*) FROM batches WHERE error LIKE 'token_limit_exceeded%'");
            assertThat(refused).as("the first process learned the quota from a refusal").isPositive();
            assertThat(count(db, "SELECT learned FROM enqueued_quotas WHERE provider = 'openai' AND model = '" + MODEL
                    + "'")).isEqualTo(limit);
            double factor = db.withHandle(h -> h.createQuery("SELECT provider_tokens / our_tokens FROM "
                    + "token_calibration WHERE provider = 'openai' AND model = :m").bind("m", MODEL)
                    .mapTo(Double.class).one());
            assertThat(factor).isBetween(1.5, 3.0);
            long lastBatch = count(db, "SELECT max(id) FROM batches");

            String second = processed(env, "second.jsonl");
            assertThat(second).as("nothing to learn again").doesNotContain("learned an enqueued-token quota");
            assertThat(count(db, "SELECT count(*) FROM batches WHERE error LIKE 'token_limit_exceeded%'"))
                    .as("the second process was refused nothing").isEqualTo(refused);
            assertThat(count(db, "SELECT count(*) FROM batches WHERE id > " + lastBatch + " AND state = 'ingested'"))
                    .as("its job did not fit the quota in one batch").isGreaterThan(1);
            // its first batch already counted our estimates with the factor (and the margin)
            double counted = db.withHandle(h -> h.createQuery("""
                    SELECT b.estimated_tokens::float8 / sum(r.estimated_tokens) FROM batches b
                    JOIN request_submissions s ON s.batch_id = b.id JOIN requests r ON r.id = s.request_id
                    WHERE b.id = (SELECT min(id) FROM batches WHERE id > :last) GROUP BY b.id""")
                    .bind("last", lastBatch).mapTo(Double.class).one());
            assertThat(counted).isGreaterThanOrEqualTo(factor);
            assertThat(count(db, "SELECT count(*) FROM batches WHERE id > " + lastBatch + " AND provider_tokens > "
                    + limit)).as("every batch within the quota as the provider counted it").isZero();
            assertThat(count(db, "SELECT count(*) FROM news_classifications WHERE article_id LIKE 'second-%'"))
                    .isEqualTo(40);
            assertThat(sandbox.stats().openai().duplicateCustomIds()).isZero();
        }
    }

    private Map<String, String> env(String url, SandboxServer sandbox) {
        Map<String, String> env = new HashMap<>();
        env.put("BATCHPIPE_DB_URL", url);
        env.put("OPENAI_API_KEY", "sk-learned-quota-restart");
        env.put("OPENAI_BASE_URL", sandbox.openAiBaseUrl());
        env.put("BATCHPIPE_POLL_FIRST_INTERVAL", "100ms");
        env.put("BATCHPIPE_POLL_MAX_INTERVAL", "300ms");
        env.put("BATCHPIPE_QUOTA_BACKOFF", "1s");
        return env;
    }

    /** Our estimate of a file's input tokens, as {@code batchpipe estimate} prints it. */
    private long ourEstimate(Map<String, String> env, String file) throws Exception {
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "estimate", file, "--task",
                "news-classification")) {
            assertThat(p.waitFor(Duration.ofSeconds(90))).as(p.output()).isZero();
            Matcher m = ESTIMATE.matcher(p.output());
            assertThat(m.find()).as(p.output()).isTrue();
            return Long.parseLong(m.group(2));
        }
    }

    /** {@code batchpipe process FILE --wait} to its end, every item succeeded; its output. */
    private String processed(Map<String, String> env, String file) throws Exception {
        try (BatchpipeProcess p = BatchpipeProcess.start(dir, env, "process", file, "--task", "news-classification",
                "--wait")) {
            assertThat(p.waitFor(Duration.ofSeconds(180))).as(p.output()).isZero();
            assertThat(p.output()).contains("40 succeeded, 0 dead-lettered");
            return p.output();
        }
    }

    private static long count(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
