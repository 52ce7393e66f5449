package dev.batchpipe.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Sandbox#sharedIn}: one sandbox per batchpipe data dir, whichever process started it, taken over with its
 * batches when that process dies. The owner runs in a child JVM, as a service beside a CLI command would.
 */
class SharedSandboxTest {

    @TempDir
    Path dir;

    /** The child: owns the shared sandbox of {@code args[0]}, prints its URL, serves until stdin closes. */
    public static void main(String[] args) throws IOException {
        Sandbox sandbox = Sandbox.sharedIn(Path.of(args[0]), 1000, 100_000_000, 1, false);
        System.out.println(sandbox.baseUrl());
        System.out.flush();
        System.in.read();
        sandbox.stop();
    }

    @Test
    void startsOnFirstUseOnlyAndWithdrawsItsUrlOnStop() {
        Path sandboxDir = dir.resolve("sandbox");
        try (Sandbox sandbox = Sandbox.sharedIn(sandboxDir, 1000, 100_000_000, 1, false)) {
            assertThat(sandboxDir).doesNotExist();
            String url = sandbox.baseUrl();
            assertThat(sandboxDir.resolve("sandbox.url")).hasContent(url);
            assertThat(sandbox.dataDir()).isEqualTo(sandboxDir.resolve("state"));
        }
        assertThat(sandboxDir.resolve("sandbox.url")).doesNotExist();
    }

    @Test
    void aSecondProcessUsesTheRunningSandboxAndTakesItOverWithItsBatchesWhenTheOwnerDies() throws Exception {
        Process owner = startOwner();
        try (Sandbox here = Sandbox.sharedIn(dir, 1000, 100_000_000, 1, false)) {
            String ownerUrl = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertThat(ownerUrl).as("the owner's URL").startsWith("http://");
            assertThat(here.baseUrl()).isEqualTo(ownerUrl);

            Client api = Client.anthropic(here::baseUrl);
            Client.Response created = api.post("/v1/messages/batches", AnthropicContractTest.batch("a", "b", "c"));
            assertThat(created.status()).as(created.body()).isEqualTo(200);
            String id = created.json().get("id").asText();

            // asked for its URL all along, as a busy service would, it still notices that the owner has gone
            owner.destroyForcibly();
            String takenOver = Awaitility.await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(50)).until(here::baseUrl, url -> !url.equals(ownerUrl));
            assertThat(dir.resolve("sandbox.url")).hasContent(takenOver);

            JsonNode ended = Support.await(() -> api.get("/v1/messages/batches/" + id).json(),
                    b -> b.path("processing_status").asText().equals("ended"));
            assertThat(ended.at("/request_counts/succeeded").asInt()).isEqualTo(3);
            List<JsonNode> results = Support.jsonl(api.get("/v1/messages/batches/" + id + "/results").body());
            assertThat(results).extracting(r -> r.get("custom_id").asText()).containsExactly("a", "b", "c");
        } finally {
            owner.destroyForcibly();
        }
    }

    private Process startOwner() throws IOException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dbatchpipe.log.dir=" + dir.resolve("logs"), "-cp", System.getProperty("java.class.path"),
                SharedSandboxTest.class.getName(), dir.toString());
        Files.createDirectories(dir);
        return new ProcessBuilder(cmd).redirectError(dir.resolve("owner.err").toFile()).start();
    }
}
