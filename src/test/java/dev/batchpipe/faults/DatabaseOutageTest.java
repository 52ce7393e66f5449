package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.api.DatabaseHealthCheck;
import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.store.EmbeddedPostgresServer;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.LogCapture;
import dev.batchpipe.support.PipelineTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.health.HealthCheck;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stopped under a running service while files are taken in and batches are submitted, polled and ingested,
 * then started again: the service keeps running, its health goes DOWN and then UP, the work resumes by itself with
 * every item ending in exactly one outcome and nothing sent twice, and the log says once that the database went and
 * once that it is back, without a stack trace per tick. The database is a server of its own (the embedded one, a
 * separate postgres process) that the test stops and starts. The outage lasts {@code batchpipe.outage.seconds}
 * (30 s, the figure: long past every pool timeout and a few heartbeat timeouts).
 */
class DatabaseOutageTest extends PipelineTest {

    private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("batchpipe.outage.seconds", 30));

    private static Path serverDir;
    private static int port;
    private static EmbeddedPostgresServer server;

    @BeforeAll
    static void aServerOfItsOwn() throws IOException {
        serverDir = Files.createTempDirectory("batchpipe-outage-pg");
        port = BatchpipeProcess.freePort();
        server = EmbeddedPostgresServer.startOrJoin(serverDir, port);
        dbUrl = server.jdbcUrl() + "?user=postgres";
        db = Jdbi.create(dbUrl);
        System.setProperty("batchpipe.db.url", dbUrl);
    }

    @AfterAll
    void stopServer() {
        template.getCamelContext().stop();
        server.close();
    }

    @Override
    protected SandboxConfig sandboxConfig() {
        // batches run for a few seconds, so some are at the provider while the database is away
        return SandboxConfig.builder().speed(2000).stageDelay(Duration.ofSeconds(2)).tickInterval(Duration.ofMillis(20))
                .build();
    }

    @Override
    protected Map<String, String> settings() {
        // source rows are found only through NOTIFY in this test (the safety-net poll would come in an hour)
        return Map.of("batchpipe.openai.max-requests-per-batch", "20", "batchpipe.intake.chunk-size", "10",
                "batchpipe.db-source.poll-interval", "1h");
    }

    @Test
    void theServiceRidesOutADatabaseOutageAndLosesOrRepeatsNothing() throws Exception {
        DatabaseHealthCheck health = template.getCamelContext().getRegistry()
                .lookupByNameAndType("databaseHealthCheck", DatabaseHealthCheck.class);
        long first = awaitJobFor(drop("news-classification", "before.jsonl", articles("before", 60)));
        template.sendBody("direct:pack", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> count("SELECT count(*) FROM batches WHERE state = 'submitted'") > 0);
        assertThat(health.call().getState()).isEqualTo(HealthCheck.State.UP);

        LogCapture capture = LogCapture.start("outage");
        Path during = drop("news-classification", "during.jsonl", articles("during", 40));
        server.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> health.call().getState() == HealthCheck.State.DOWN);
        // the service keeps running while the database is away, and the file waits in the inbox
        await().during(OUTAGE).atMost(OUTAGE.plusSeconds(10)).until(() -> template.getCamelContext().isStarted()
                && Files.exists(during));
        server = EmbeddedPostgresServer.startOrJoin(serverDir, port);
        await().atMost(Duration.ofSeconds(30)).until(() -> health.call().getState() == HealthCheck.State.UP);

        // the file that waited is taken in, and packed as the pack tick would (in this test it is the caller's)
        long second = awaitJobFor(during);
        template.sendBody("direct:pack", null);
        awaitFinished(first);
        awaitFinished(second);
        String said = capture.text();
        capture.close();

        assertExactlyOneOutcomePerItem(first, "before-%");
        assertExactlyOneOutcomePerItem(second, "during-%");
        assertThat(count("SELECT count(*) FROM news_classifications")).isEqualTo(100);
        assertThat(count("SELECT count(*) FROM request_submissions")).as("nothing sent twice").isEqualTo(100);
        assertThat(sandbox.stats().openai().duplicateCustomIds()).isZero();
        assertThat(count("SELECT count(*) FROM jobs")).as("each file one job").isEqualTo(2);
        assertThat(said).as(said).containsOnlyOnce("The database is unreachable").containsOnlyOnce("The database is back")
                .doesNotContain("\tat ").doesNotContain("retried on the next tick");

        // pgevent's LISTEN connections came back by themselves, one per consumer (camel-pgevent 4.17.0 would open one
        // more every 5 s: looked at after two of those), and a row inserted now is taken in at its NOTIFY
        try {
            await().pollDelay(Duration.ofSeconds(11)).atMost(Duration.ofSeconds(40)).until(() -> count(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN batchpipe_%'") == 2);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("pgevent did not LISTEN again: " + db.withHandle(h -> h.createQuery(
                    "SELECT string_agg(state || ': ' || query, '; ') FROM pg_stat_activity WHERE datname = current_database()")
                    .mapTo(String.class).one()) + "\n" + pgeventThreads(), e);
        }
        db.useHandle(h -> h.execute("INSERT INTO story_groups (id, title, text) VALUES ('after-outage', 'After', "
                + "'A row inserted once the database was back.')"));
        await().atMost(Duration.ofSeconds(15)).until(() -> count(
                "SELECT count(*) FROM story_groups WHERE id = 'after-outage' AND extraction_job_id IS NOT NULL") == 1);
    }

    /** Where pgjdbc-ng's and pgevent's threads are: what a reconnect that never finished waits for. */
    private static String pgeventThreads() {
        StringBuilder dump = new StringBuilder();
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread.getName().matches("(?i).*(pg-jdbc|pgevent).*")) {
                dump.append(thread.getName()).append('\n');
                for (StackTraceElement frame : stack) {
                    dump.append("    ").append(frame).append('\n');
                }
            }
        });
        return dump.toString();
    }
}
