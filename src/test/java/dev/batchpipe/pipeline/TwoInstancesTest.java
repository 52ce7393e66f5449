package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.sandbox.SandboxServer;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two batchpipe services (separate processes, separate Quartz instance ids) on one PostgreSQL and one provider: the
 * work is shared, every request is submitted once, every output row written once.
 */
class TwoInstancesTest {

    private static final Pattern WORK = Pattern.compile("taken in as job|Submitted batch|Packed batch|is completed");

    @TempDir
    Path dir;

    private final Map<BatchpipeProcess, Integer> ports = new HashMap<>();

    @Test
    void twoInstancesShareTheWorkAndNothingIsDoneTwice() throws Exception {
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        try (SandboxServer sandbox = SandboxServer.start(SandboxConfig.builder().speed(2000)
                .stageDelay(Duration.ofMillis(100)).build());
             BatchpipeProcess a = instance("a", url, sandbox);
             BatchpipeProcess b = instance("b", url, sandbox)) {
            a.awaitHttp200(health(a), Duration.ofSeconds(90));
            b.awaitHttp200(health(b), Duration.ofSeconds(90));

            int groups = 0;
            for (int round = 0; round < 12; round++) {
                int first = groups;
                db.useTransaction(h -> {
                    for (int i = first; i < first + 20; i++) {
                        h.execute("INSERT INTO story_groups (id, title, text) VALUES (?, ?, ?)", "two-" + i, "Group " + i,
                                "Shell, Equinor and Turkcell were named in story " + i + " about energy in Istanbul.");
                    }
                });
                groups += 20;
                // the next rows arrive while this round's are in flight: once an instance has claimed them
                long taken = groups;
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> count(db,
                        "SELECT count(*) FROM story_groups WHERE extraction_state <> 'pending'") == taken);
            }
            long total = groups;
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> count(db,
                    "SELECT count(*) FROM story_groups WHERE extraction_state = 'done'") == total);

            long requests = count(db, "SELECT count(*) FROM requests");
            assertThat(requests).isEqualTo(2 * total);
            assertThat(count(db, "SELECT count(*) FROM requests WHERE state = 'succeeded' AND submissions = 1"))
                    .as("each request submitted exactly once").isEqualTo(requests);
            assertThat(count(db, "SELECT count(*) FROM request_submissions")).isEqualTo(requests);
            var stats = sandbox.stats().openai();
            assertThat(stats.requestsReceived()).isEqualTo(requests);
            assertThat(stats.duplicateCustomIds()).isZero();
            assertThat(count(db, "SELECT count(*) FROM results")).isEqualTo(requests);
            assertThat(count(db, "SELECT count(*) FROM story_topics")).isEqualTo(expectedTopics(db));
            assertThat(count(db, "SELECT count(*) FROM items")).isEqualTo(total);

            assertThat(work(a)).as("instance a did work:\n" + a.output()).isPositive();
            assertThat(work(b)).as("instance b did work:\n" + b.output()).isPositive();
            assertThat(count(db, "SELECT count(*) FROM qrtz_scheduler_state")).isEqualTo(2);
        }
    }

    private BatchpipeProcess instance(String id, String url, SandboxServer sandbox) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("BATCHPIPE_DB_URL", url);
        int port = BatchpipeProcess.freePort();
        env.put("BATCHPIPE_HTTP_PORT", "" + port);
        env.put("BATCHPIPE_QUARTZ_INSTANCE_ID", "instance-" + id);
        env.put("BATCHPIPE_PACK_INTERVAL_MS", "500");
        env.put("BATCHPIPE_POLL_FIRST_INTERVAL", "200ms");
        env.put("BATCHPIPE_POLL_MAX_INTERVAL", "500ms");
        env.put("BATCHPIPE_DB_POLL_INTERVAL", "2s");
        env.put("OPENAI_API_KEY", "sk-two-instances");
        env.put("OPENAI_BASE_URL", sandbox.openAiBaseUrl());
        BatchpipeProcess p = BatchpipeProcess.start(dir.resolve(id), env, "run");
        ports.put(p, port);
        return p;
    }

    private String health(BatchpipeProcess p) {
        return "http://127.0.0.1:" + ports.get(p) + "/observe/health";
    }

    private static long work(BatchpipeProcess p) {
        return p.output().lines().filter(l -> WORK.matcher(l).find()).count();
    }

    private static long expectedTopics(Jdbi db) throws Exception {
        ObjectMapper json = new ObjectMapper();
        long expected = 0;
        List<String> answers = db.withHandle(h -> h.createQuery("SELECT s.answer::text FROM results s "
                + "JOIN requests r ON r.id = s.request_id WHERE r.template = 'topics'").mapTo(String.class).list());
        for (String a : answers) {
            Set<String> topics = new HashSet<>();
            for (JsonNode t : json.readTree(a).get("topics")) {
                topics.add(t.get("topic").asText());
            }
            expected += topics.size();
        }
        return expected;
    }

    private static long count(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
