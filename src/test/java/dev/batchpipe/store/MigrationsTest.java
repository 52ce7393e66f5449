package dev.batchpipe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchpipe.support.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;

class MigrationsTest {

    @Test
    void migrationsApplyOnAnEmptyDatabaseAndAgainAsANoOp() throws Exception {
        String url = TestDatabase.emptyDatabaseUrl();
        long migrations;
        try (Stream<Path> files = Files.list(Path.of("sql"))) {
            migrations = files.filter(f -> f.getFileName().toString().matches("V\\d+__.*\\.sql")).count();
        }

        try (Database first = Database.open(settings(url))) {
            List<String> applied = first.jdbi().withHandle(MigrationsTest::history);
            assertThat(applied).hasSize((int) migrations);
        }
        List<String> before = Jdbi.create(url).withHandle(MigrationsTest::history);
        try (Database again = Database.open(settings(url))) {
            List<String> after = again.jdbi().withHandle(MigrationsTest::history);
            assertThat(after).isEqualTo(before);
        }
    }

    /**
     * A database of the previous release (schema version 22) takes every migration added since: Flyway refuses a new
     * migration numbered below one already applied, so a new one must be numbered above the release's highest.
     */
    @Test
    void aDatabaseOfThePreviousReleaseUpgrades() {
        String url = TestDatabase.emptyDatabaseUrl();
        org.flywaydb.core.Flyway.configure().dataSource(url, "postgres", null).locations("classpath:sql")
                .target("22").load().migrate();

        try (Database upgraded = Database.open(settings(url))) {
            List<String> versions = upgraded.jdbi().withHandle(h -> h.createQuery(
                    "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank").mapTo(String.class)
                    .list());
            assertThat(versions).contains("22", "26", "30").doesNotHaveDuplicates();
            assertThat(versions.subList(versions.indexOf("22") + 1, versions.size()))
                    .allSatisfy(v -> assertThat(Integer.parseInt(v)).isGreaterThan(22));
        }
    }

    @Test
    void constraintsEnforceTheInvariants() {
        Jdbi jdbi = Jdbi.create(TestDatabase.freshUrl());
        jdbi.useHandle(h -> {
            long job = h.createUpdate("INSERT INTO jobs (task, source_kind, source) VALUES ('t', 'api', 's')")
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            String item = "INSERT INTO items (task, source_key, content_hash, job_id, payload) "
                    + "VALUES ('t', 'a1', 'h1', " + job + ", '{}')";
            h.execute(item);
            assertThatThrownBy(() -> h.execute(item)).hasMessageContaining("items_task_source_key_content_hash_key");
            h.execute("INSERT INTO items (task, source_key, content_hash, job_id, payload) VALUES ('t', 'a1', 'h2', ?, '{}')", job);

            long request = h.createUpdate("INSERT INTO requests (item_id, job_id, task, template, provider, model, "
                            + "endpoint, estimated_tokens) SELECT id, job_id, 't', 'x', 'openai', 'm', '/v1/chat/completions', 10 "
                            + "FROM items WHERE content_hash = 'h1'")
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            h.execute("INSERT INTO results (request_id, response) VALUES (?, '{}')", request);
            assertThatThrownBy(() -> h.execute("INSERT INTO results (request_id, response) VALUES (?, '{}')", request))
                    .hasMessageContaining("results_pkey");

            h.execute("INSERT INTO dead_letters (request_id, task, reason) VALUES (?, 't', 'r')", request);
            assertThatThrownBy(() -> h.execute("INSERT INTO dead_letters (request_id, task, reason) VALUES (?, 't', 'r')", request))
                    .hasMessageContaining("dead_letters_open");
            h.execute("UPDATE dead_letters SET replayed_at = now()");
            h.execute("INSERT INTO dead_letters (request_id, task, reason) VALUES (?, 't', 'again')", request);
        });
    }

    private static List<String> history(Handle h) {
        return h.createQuery("SELECT version || ':' || checksum || ':' || installed_on FROM flyway_schema_history ORDER BY installed_rank")
                .mapTo(String.class).list();
    }

    private static Database.Settings settings(String url) {
        return new Database.Settings(url, "postgres", null, Path.of("target"), 2);
    }
}
