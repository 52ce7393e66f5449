package dev.batchpipe.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.pipeline.BatchClaims;
import dev.batchpipe.support.DatabaseTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Claims on a real PostgreSQL: concurrent claimants never share a row, an expired lease can be claimed again, and the
 * claims of an instance whose heartbeat stopped are free at once while a live instance's never are.
 */
class LeaseClaimTest extends DatabaseTest {

    private static final LeaseClaim PACKED = LeaseClaim.ofBatches("state = 'packed' AND " + LeaseClaim.LEASE_FREE, "id", 5,
            "id");

    @BeforeEach
    void fortyPackedBatches() {
        db.useHandle(h -> {
            h.execute("DELETE FROM batches");
            h.execute("DELETE FROM instances");
            h.execute("INSERT INTO batches (provider, model, endpoint, request_count, estimated_tokens) "
                    + "SELECT 'openai', 'm', '/v1/chat/completions', 1, 1 FROM generate_series(1, 40)");
        });
    }

    private static List<Long> claim(String me, Duration lease) {
        return db.withHandle(h -> PACKED.query(h, me, lease).mapTo(Long.class).list());
    }

    @Test
    void concurrentClaimantsNeverShareARow() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Long>>> claims = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String me = "instance-" + i;
                claims.add(pool.submit((Callable<List<Long>>) () -> claim(me, Duration.ofMinutes(1))));
            }
            Set<Long> seen = new HashSet<>();
            for (Future<List<Long>> c : claims) {
                for (Long id : c.get()) {
                    assertThat(seen.add(id)).as("batch %d claimed twice", id).isTrue();
                }
            }
            assertThat(seen).hasSize(40);
        } finally {
            pool.shutdownNow();
        }
        assertThat(count("SELECT count(DISTINCT lease_owner) FROM batches")).isEqualTo(8);
        assertThat(claim("late", Duration.ofMinutes(1))).isEmpty();
    }

    @Test
    void aLeaseThatRanOutCanBeClaimedAgain() {
        List<Long> first = claim("dead", Duration.ofMillis(1));
        assertThat(first).hasSize(5);
        db.useHandle(h -> h.execute("SELECT pg_sleep(0.01)"));
        assertThat(claim("alive", Duration.ofMinutes(1))).containsExactlyElementsOf(first);
        assertThat(count("SELECT count(*) FROM batches WHERE lease_owner = 'alive' AND lease_until > now()")).isEqualTo(5);
    }

    @Test
    void aLiveInstancesClaimsAreNeverTakenAndAStoppedOnesAreTakenAtOnce() {
        Heartbeat a = beating("a");
        beating("b");
        steady("b");
        List<Long> held = claimOnly("a");
        a.beat();
        assertThat(claim("b", Duration.ofMinutes(1))).as("a still beats").isEmpty();
        stop("a");
        assertThat(claim("b", Duration.ofMinutes(1))).as("a stopped beating").containsExactlyElementsOf(held);
    }

    @Test
    void noOneTakesOverUntilItHasBeatenForATimeoutSoAnOutageMovesNothing() {
        beating("a");
        Heartbeat b = beating("b");
        claimOnly("a");
        stop("a");
        assertThat(claim("b", Duration.ofMinutes(1))).as("b only just started").isEmpty();
        steady("b");
        // after an outage b's own heartbeat had lapsed too: its next beat starts a new run
        stop("b");
        b.beat();
        assertThat(claim("b", Duration.ofMinutes(1))).as("b only just came back").isEmpty();
        steady("b");
        assertThat(claim("b", Duration.ofMinutes(1))).hasSize(5);
    }

    @Test
    void aClaimOfAnOwnerWithoutHeartbeatWaitsForItsLease() {
        beating("b");
        steady("b");
        claimOnly("before-heartbeats");
        assertThat(claim("b", Duration.ofMinutes(1))).isEmpty();
    }

    @Test
    void aStoppedInstanceIsNoticedByOneSteadyInstance() {
        beating("a");
        Heartbeat b = beating("b");
        Heartbeat c = beating("c");
        steady("b");
        steady("c");
        stop("a");
        assertThat(b.stopped()).singleElement().asString().startsWith("a (last heartbeat ");
        assertThat(c.stopped()).isEmpty();
        assertThat(b.stopped()).isEmpty();
    }

    @Test
    void aStoppedInstancesFinishedBatchesAreClaimedAtOnceForIngestAndALiveOnesAreNot() {
        beating("a");
        beating("live");
        beating("b");
        steady("b");
        List<Long> held = claimOnly("a");
        List<Long> ofLive = db.withHandle(h -> h.createQuery("UPDATE batches SET lease_owner = 'live' WHERE id IN "
                + "(SELECT id FROM batches ORDER BY id LIMIT 2) RETURNING id").mapTo(Long.class).list());
        db.useHandle(h -> h.execute("UPDATE batches SET state = 'finished', finished_at = now(), "
                + "lease_until = now() + interval '10 minutes'"));
        BatchClaims b = new BatchClaims(db, new Instance("b", "host", "installation"), Duration.ofMinutes(2));
        assertThat(b.takeOverIngests()).as("a still beats").isEmpty();

        stop("a");
        List<Long> takenOver = b.takeOverIngests();
        assertThat(takenOver).as("a's batches, not the live instance's").containsExactlyInAnyOrderElementsOf(
                held.stream().filter(id -> !ofLive.contains(id)).toList());
        assertThat(count("SELECT count(*) FROM batches WHERE lease_owner = 'b' AND lease_until > now()"))
                .isEqualTo(takenOver.size());
        assertThat(b.claimForIngest(takenOver.get(0))).as("its ingest claims it again, as its own").isEqualTo(takenOver.get(0));
        // held by b, queued or being ingested: not handed on a second time, until that ingest gives it up
        assertThat(b.takeOverIngests()).isEmpty();
        b.giveUpIngest(takenOver.get(0));
        assertThat(b.takeOverIngests()).containsExactly(takenOver.get(0));
    }

    /** Five batches claimed for ten minutes by {@code owner}, the only ones left. */
    private static List<Long> claimOnly(String owner) {
        List<Long> held = claim(owner, Duration.ofMinutes(10));
        db.useHandle(h -> h.execute("DELETE FROM batches WHERE lease_owner IS NULL"));
        return held;
    }

    private static Heartbeat beating(String id) {
        Heartbeat h = new Heartbeat(db, new Instance(id, "host", "installation"), Duration.ofSeconds(10),
                new DatabaseOutage());
        h.beat();
        return h;
    }

    /** As if the instance had beaten without a gap for longer than its timeout. */
    private static void steady(String id) {
        db.useHandle(h -> h.createUpdate("UPDATE instances SET beating_since = now() - interval '1 minute' WHERE id = :id")
                .bind("id", id).execute());
    }

    /** As if the instance's last beat was longer ago than its timeout. */
    private static void stop(String id) {
        db.useHandle(h -> h.createUpdate("UPDATE instances SET heartbeat_at = now() - interval '11 seconds', "
                + "alive_until = now() - interval '1 second' WHERE id = :id").bind("id", id).execute());
    }

    @Test
    void theStatementNamesItsPartsOnce() {
        assertThat(new LeaseClaim("story_groups", "id", "claimed_by", "claimed_until", "extraction_state = 'claimed'",
                "extraction_state = 'pending'", "updated_at", 500, "to_jsonb(t)::text").sql()).isEqualTo(
                "UPDATE story_groups t SET extraction_state = 'claimed', claimed_by = :me, claimed_until = now() + "
                        + "make_interval(secs => :lease) WHERE id IN (SELECT id FROM story_groups WHERE "
                        + "extraction_state = 'pending' ORDER BY updated_at LIMIT 500 FOR UPDATE SKIP LOCKED) "
                        + "RETURNING to_jsonb(t)::text");
    }
}
