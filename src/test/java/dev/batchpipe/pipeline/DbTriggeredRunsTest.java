package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.batchpipe.support.PipelineTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Work that starts in the database: rows inserted by other systems, and extraction runs. */
class DbTriggeredRunsTest extends PipelineTest {

    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.pack.interval-ms", "300",
                // the safety net is slow on purpose: what arrives here must come through NOTIFY
                "batchpipe.db-source.poll-interval", "1h");
    }

    @Test
    void insertedStoryGroupsBecomeTopicsAndEntitiesWithoutAFileOrACommand() {
        insertGroup("db-1", "Energy", "Shell and Equinor cut gas supply to Germany after maintenance at the Troll field.");
        insertGroup("db-2", "Airlines", "Turkish Airlines ordered Airbus jets; Airbus welcomed the order in Toulouse.");

        awaitGroups("db-%", "done", 2);

        assertThat(count("SELECT count(DISTINCT group_id) FROM story_topics WHERE group_id LIKE 'db-%'")).isEqualTo(2);
        assertThat(count("SELECT count(DISTINCT group_id) FROM story_entities WHERE group_id LIKE 'db-%'")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM jobs j JOIN story_groups g ON g.extraction_job_id = j.id "
                + "WHERE g.id LIKE 'db-%' AND j.source_kind = 'db' AND j.status = 'succeeded'")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM story_groups WHERE id LIKE 'db-%' AND claimed_by IS NOT NULL"))
                .as("the claims were released once the rows were taken in").isZero();
    }

    @Test
    void aChangedGroupIsExtractedAgainAndAnUnchangedOneIsNot() {
        insertGroup("chg-1", "Banks", "Garanti BBVA raised deposit rates after the central bank decision.");
        insertGroup("chg-2", "Telecom", "Turkcell launched 5G in Istanbul.");
        awaitGroups("chg-%", "done", 2);
        long requestsBefore = count("SELECT count(*) FROM requests r JOIN items i ON i.id = r.item_id "
                + "WHERE i.source_key LIKE 'chg-%'");
        long topicRequestBefore = count("SELECT max(request_id) FROM story_topics WHERE group_id = 'chg-1'");

        db.useHandle(h -> {
            h.execute("UPDATE story_groups SET text = 'Garanti BBVA and Akbank cut deposit rates.' WHERE id = 'chg-1'");
            h.execute("UPDATE story_groups SET text = text, title = title WHERE id = 'chg-2'");
        });
        await().atMost(Duration.ofSeconds(30)).until(() ->
                count("SELECT count(*) FROM story_topics WHERE group_id = 'chg-1' AND request_id > ?", topicRequestBefore) > 0);
        awaitGroups("chg-%", "done", 2);

        long requestsAfter = count("SELECT count(*) FROM requests r JOIN items i ON i.id = r.item_id "
                + "WHERE i.source_key LIKE 'chg-%'");
        assertThat(requestsAfter - requestsBefore).as("two new requests for the changed group only").isEqualTo(2);
        assertThat(count("SELECT count(*) FROM story_topics WHERE group_id = 'chg-1' AND request_id <= ?",
                topicRequestBefore)).as("the old topics were replaced").isZero();
    }

    @Test
    void anExtractionRunRowDrivesARunAndGetsItsOutcomeWrittenBack() {
        db.useHandle(h -> h.execute("UPDATE story_groups SET extraction_state = 'done'"));
        insertGroup("run-1", "One", "Aselsan signed a defence contract.");
        insertGroup("run-2", "Two", "Koç Holding reported higher profits.");
        awaitGroups("run-%", "done", 2);

        // a run over rows that were extracted already: nothing new to do, and it says so
        long run = db.withHandle(h -> h.createQuery("INSERT INTO extraction_runs (task, ids, schedule, priority) "
                        + "VALUES ('knowledge-extraction', ARRAY['run-1', 'run-2', 'run-missing'], 'asap', 8) RETURNING id")
                .mapTo(Long.class).one());
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "succeeded".equals(text("SELECT status FROM extraction_runs WHERE id = ?", run)));
        assertThat(count("SELECT rows_selected FROM extraction_runs WHERE id = ?", run)).isEqualTo(2);
        assertThat(count("SELECT items_new FROM extraction_runs WHERE id = ?", run)).isZero();
        assertThat(count("SELECT count(*) FROM extraction_runs WHERE id = ? AND finished_at IS NOT NULL "
                + "AND job_id IS NOT NULL", run)).isEqualTo(1);

        long unknown = db.withHandle(h -> h.createQuery("INSERT INTO extraction_runs (task, schedule) "
                + "VALUES ('no-such-task', 'asap') RETURNING id").mapTo(Long.class).one());
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "failed".equals(text("SELECT status FROM extraction_runs WHERE id = ?", unknown)));
        assertThat(text("SELECT error FROM extraction_runs WHERE id = ?", unknown)).contains("no task named 'no-such-task'");
    }

    @Test
    void aRowClaimedByAnInstanceThatDiedIsReclaimedWhenItsLeaseRunsOut() {
        // one transaction: the NOTIFY arrives with both rows already claimed by other instances
        db.useTransaction(h -> {
            h.execute("INSERT INTO story_groups (id, title, text) VALUES ('lease-dead', 'Dead', "
                    + "'Aselsan signed a contract in Ankara.'), ('lease-alive', 'Alive', 'Turkcell opened a data centre.')");
            h.execute("UPDATE story_groups SET extraction_state = 'claimed', claimed_by = 'instance-that-died', "
                    + "claimed_until = now() - interval '1 second' WHERE id = 'lease-dead'");
            h.execute("UPDATE story_groups SET extraction_state = 'claimed', claimed_by = 'instance-still-working', "
                    + "claimed_until = now() + interval '1 hour' WHERE id = 'lease-alive'");
        });

        awaitGroups("lease-dead", "done", 1);

        assertThat(count("SELECT count(*) FROM story_topics WHERE group_id = 'lease-dead'")).isPositive();
        assertThat(text("SELECT extraction_state || '/' || claimed_by FROM story_groups WHERE id = 'lease-alive'"))
                .as("a claim whose lease still runs is left to its instance").isEqualTo("claimed/instance-still-working");
        assertThat(count("SELECT count(*) FROM items WHERE source_key = 'lease-alive'")).isZero();
    }

    private void insertGroup(String id, String title, String text) {
        db.useHandle(h -> h.execute("INSERT INTO story_groups (id, title, text) VALUES (?, ?, ?)", id, title, text));
    }

    private void awaitGroups(String like, String state, long n) {
        await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(200)).until(() ->
                count("SELECT count(*) FROM story_groups WHERE id LIKE ? AND extraction_state = ?", like, state) == n);
    }
}
