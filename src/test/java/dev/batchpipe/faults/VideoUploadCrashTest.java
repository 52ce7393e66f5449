package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.Sandboxes;
import dev.batchpipe.support.TestDatabase;
import dev.batchpipe.support.TestVideos;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task with a video field, on Gemini through the sandbox, as a user runs it: {@code process} of a file whose lines
 * name good videos (two of them the same content) and bad ones, killed with SIGKILL right after the first video
 * reached the Files API and before that was recorded; a service started afterwards finishes the job. Each content is
 * uploaded exactly once, the good lines get their rows, and each bad one is reported with its field and reason.
 */
class VideoUploadCrashTest {

    private static final String TASK = """
            name: clip-descriptions
            description: Says what happens in a short video clip.
            provider: gemini
            model: gemini-2.5-flash
            input:
              key: id
              schema:
                type: object
                required: [id, clip, note]
                properties:
                  id: {type: string}
                  clip: {type: string, format: video}
                  note: {type: string}
            requests:
              - name: describe
                max_output_tokens: 200
                system: You describe video clips for a newsroom archive.
                user: "Describe this clip. Context: {{note}}"
                schema:
                  type: object
                  additionalProperties: false
                  required: [scene, people]
                  properties:
                    scene: {type: string, minLength: 1}
                    people: {type: integer, minimum: 0, maximum: 1000}
                output:
                  - table: clip_descriptions
                    replace: [clip_id]
                    columns: {clip_id: $item.id, scene: $.scene, people: $.people}
            """;

    @TempDir
    Path dir;

    @Test
    void eachVideoIsUploadedOnceAcrossAKillAndTheBadOnesAreReportedOnTheirLines() throws Exception {
        String url = TestDatabase.freshUrl();
        Jdbi db = Jdbi.create(url);
        db.useHandle(h -> h.execute("CREATE TABLE clip_descriptions (clip_id text PRIMARY KEY, scene text NOT NULL, "
                + "people integer NOT NULL, request_id bigint NOT NULL UNIQUE REFERENCES requests (id), "
                + "created_at timestamptz NOT NULL DEFAULT now())"));
        Path tasks = Files.createDirectories(dir.resolve("tasks"));
        Files.writeString(tasks.resolve("clip-descriptions.yaml"), TASK);
        Path work = Files.createDirectories(dir.resolve("work"));
        Path clips = Files.createDirectories(work.resolve("clips"));
        byte[] press = TestVideos.mp4(8, 20_000, 1);
        Files.write(clips.resolve("press.mp4"), press);
        Files.write(clips.resolve("press-copy.mp4"), press);
        Files.write(clips.resolve("market.mp4"), TestVideos.mp4(15, 30_000, 2));
        Files.write(clips.resolve("cut.mp4"), TestVideos.cut(TestVideos.mp4(5, 10_000, 3), 4000));
        Files.writeString(clips.resolve("notes.mp4"), "meeting notes, not a video");
        Files.createDirectories(clips.resolve("folder.mp4"));
        Files.write(dir.resolve("outside.mp4"), TestVideos.mp4(3, 1000, 4));
        Path file = work.resolve("clips.jsonl");
        Files.write(file, List.of(
                line("c1", "clips/press.mp4"),
                line("c2", "clips/market.mp4"),
                line("c3", "clips/press-copy.mp4"),
                line("c4", "clips/missing.mp4"),
                line("c5", "clips/notes.mp4"),
                line("c6", "clips/cut.mp4"),
                line("c7", "../outside.mp4"),
                line("c8", "clips/folder.mp4")));

        try (Sandboxes sandbox = Sandboxes.start(dir, "--speed", "2000")) {
            try (BatchpipeProcess victim = BatchpipeProcess.start(dir, env(url, sandbox, tasks, "after-media-upload"),
                    "process", file.toString(), "--task", "clip-descriptions", "--wait")) {
                assertThat(victim.waitFor(Duration.ofSeconds(120))).as(victim.output()).isEqualTo(137);
            }
            assertThat(count(db, "SELECT count(*) FROM media_uploads WHERE state = 'uploading'")).isEqualTo(1);
            try (BatchpipeProcess survivor = BatchpipeProcess.start(dir, env(url, sandbox, tasks, null), "run")) {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).until(() ->
                        count(db, "SELECT count(*) FROM jobs WHERE status IN ('receiving', 'active')") == 0);
            }

            List<String> rows = db.withHandle(h -> h.createQuery("SELECT clip_id FROM clip_descriptions ORDER BY "
                    + "clip_id").mapTo(String.class).list());
            List<String> errors = db.withHandle(h -> h.createQuery("SELECT line || ' ' || reason FROM input_errors "
                    + "ORDER BY line").mapTo(String.class).list());
            assertThat(rows).containsExactly("c1", "c2", "c3");
            assertThat(errors).satisfiesExactly(
                        e -> assertThat(e).startsWith("4 clip: no such file (clips/missing.mp4)"),
                        e -> assertThat(e).startsWith("5 clip: not a video of a type we know"),
                        e -> assertThat(e).startsWith("6 clip: truncated"),
                        e -> assertThat(e).startsWith("7 clip: the path climbs out of the input file's folder"),
                        e -> assertThat(e).startsWith("8 clip: a directory"));
            assertThat(count(db, "SELECT count(*) FROM media_uploads WHERE state = 'uploaded'")).isEqualTo(2);
            assertThat(mediaFiles(sandbox)).as("two contents, each uploaded once, the crashed upload found again")
                    .hasSize(2);
            assertThat(sandbox.stats("gemini").path("filesUploaded").asLong()).isEqualTo(2);
        }
    }

    private static String line(String id, String clip) {
        return "{\"id\":\"" + id + "\",\"clip\":\"" + clip + "\",\"note\":\"archive clip " + id + "\"}";
    }

    /** The display names of the files our uploads made at the sandbox's Files API. */
    private static List<String> mediaFiles(Sandboxes sandbox) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(sandbox.baseUrl() + "/v1beta/files?pageSize=100")).header("x-goog-api-key", "AIza-video")
                .build(), HttpResponse.BodyHandlers.ofString());
        List<String> names = new java.util.ArrayList<>();
        for (JsonNode f : new ObjectMapper().readTree(r.body()).path("files")) {
            if (f.path("displayName").asText().startsWith("batchpipe-media-")) {
                names.add(f.path("displayName").asText());
            }
        }
        return names;
    }

    private Map<String, String> env(String url, Sandboxes sandbox, Path tasks, String crashAt) {
        Map<String, String> env = new HashMap<>();
        env.put("BATCHPIPE_DB_URL", url);
        env.put("BATCHPIPE_HTTP_PORT", "" + BatchpipeProcess.freePort());
        env.put("BATCHPIPE_INBOX", dir.resolve("inbox").toString());
        env.put("BATCHPIPE_TASKS_DIR", tasks.toString());
        env.put("BATCHPIPE_VIDEO_PROCESSING_POLL", "100ms");
        env.put("GEMINI_API_KEY", "AIza-video");
        env.put("GEMINI_BASE_URL", sandbox.baseUrl());
        if (crashAt != null) {
            env.put("BATCHPIPE_CRASH_AT", crashAt);
        }
        return env;
    }

    private static long count(Jdbi db, String sql) {
        return db.withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }
}
