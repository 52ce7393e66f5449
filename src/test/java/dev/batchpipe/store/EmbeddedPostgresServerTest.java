package dev.batchpipe.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.BatchpipeProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresServerTest {

    @TempDir
    Path dir;

    @Test
    void dataSurvivesARestartOnTheSameDataDir() {
        Path dataDir = dir.resolve("data");
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrJoin(dataDir)) {
            assertThat(pg.owner()).isTrue();
            jdbi(pg).useHandle(h -> {
                h.execute("CREATE TABLE kept (v text)");
                h.execute("INSERT INTO kept VALUES ('still here')");
            });
        }
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.startOrJoin(dataDir)) {
            String kept = jdbi(pg).withHandle(h -> h.createQuery("SELECT v FROM kept").mapTo(String.class).one());
            assertThat(kept).isEqualTo("still here");
        }
    }

    @Test
    void anotherProcessJoinsTheRunningServerAndAServerOrphanedByKill9IsAdopted() throws Exception {
        int port = BatchpipeProcess.freePort();
        Path dataDir = dir.resolve("data");
        BatchpipeProcess service = BatchpipeProcess.start(dir, Map.of("BATCHPIPE_HTTP_PORT", "" + port), "run");
        try {
            service.awaitHttp200("http://127.0.0.1:" + port + "/observe/health", Duration.ofSeconds(90));

            try (EmbeddedPostgresServer joined = EmbeddedPostgresServer.startOrJoin(dataDir)) {
                assertThat(joined.owner()).isFalse();
                long jobs = jdbi(joined).withHandle(h -> h.createQuery("SELECT count(*) FROM jobs").mapTo(Long.class).one());
                assertThat(jobs).isZero();
            }
            // closing a joined server must leave the owner's server running
            service.awaitHttp200("http://127.0.0.1:" + port + "/observe/health", Duration.ofSeconds(5));

            service.kill9();
            var orphan = EmbeddedPostgresServer.PostmasterPid.read(dataDir.resolve("postgres"));
            assertThat(orphan).as("PostgreSQL outlives a kill -9 of its owner").hasValueSatisfying(p -> assertThat(p.alive()).isTrue());

            try (EmbeddedPostgresServer adopted = EmbeddedPostgresServer.startOrJoin(dataDir)) {
                assertThat(adopted.owner()).isTrue();
                assertThat(adopted.port()).isEqualTo(orphan.get().port());
                jdbi(adopted).useHandle(h -> h.execute("SELECT 1"));
            }
            assertThat(ProcessHandle.of(orphan.get().pid()).map(ProcessHandle::isAlive).orElse(false))
                    .as("the adopted server stops with its new owner").isFalse();
        } finally {
            service.close();
        }
    }

    private static Jdbi jdbi(EmbeddedPostgresServer pg) {
        return Jdbi.create(pg.jdbcUrl(), pg.user(), "");
    }
}
