package dev.batchpipe.sandbox;

import static dev.batchpipe.sandbox.Support.jsonl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Simulated time: state progression, throughput, expiry with partial results, restart on the same data dir. */
class LifecycleTest {

    @TempDir
    Path tmp;

    /** Lines of ~100 estimated tokens each: a 2-token prompt plus max_tokens 100 (the sandbox's estimate is 102). */
    private Path lines(int n) throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(OpenAiContractTest.chatLine("r-" + i, "gpt-4o-mini", "Hello", null).toString());
        }
        return Files.write(Files.createTempFile(tmp, "in", ".jsonl"), out);
    }

    private static String submit(Client api, Path file) {
        String fileId = api.uploadOpenAi(file, "batch").json().get("id").asText();
        return api.post("/v1/batches", Map.of("input_file_id", fileId, "endpoint", "/v1/chat/completions",
                "completion_window", "24h")).json().get("id").asText();
    }

    @Test
    void statesAdvanceInOrderAndThroughputPacesTheLines() throws IOException {
        // 10 lines × 102 tokens at 1020 simulated tokens/s and speed 4: about 1/4 s of real time per second of work
        SandboxConfig config = Support.fast().speed(4).tokensPerSecond(1020).stageDelay(Duration.ofSeconds(1)).build();
        try (SandboxServer sandbox = SandboxServer.start(config)) {
            Client api = Client.openAi(sandbox);
            String id = submit(api, lines(10));
            Set<String> seen = new LinkedHashSet<>();
            List<Integer> progress = new ArrayList<>();
            JsonNode done = Support.await(() -> {
                JsonNode b = api.get("/v1/batches/" + id).json();
                seen.add(b.get("status").asText());
                progress.add(b.at("/request_counts/completed").asInt());
                return b;
            }, b -> b.get("status").asText().equals("completed"));
            assertThat(seen).containsExactly("validating", "in_progress", "finalizing", "completed");
            // request counts rise while the batch runs, not all at once
            assertThat(progress.stream().filter(n -> n > 0 && n < 10).distinct().count()).isGreaterThanOrEqualTo(3);
            long inProgressAt = done.get("in_progress_at").asLong();
            long finalizingAt = done.get("finalizing_at").asLong();
            // 1020 tokens of work at 1020 tokens/s = 1 simulated second ≈ 0.25 s real; unix seconds are coarse
            assertThat(finalizingAt - inProgressAt).isBetween(0L, 2L);
        }
    }

    @Test
    void anUnfinishedBatchExpiresAtTheEndOfItsWindowKeepingFinishedLines() throws IOException {
        // window of 3 simulated seconds, 1 line per simulated second: about 3 of 20 lines finish
        SandboxConfig config = Support.fast().speed(2).tokensPerSecond(102).completionWindow(Duration.ofSeconds(3))
                .stageDelay(Duration.ZERO).build();
        try (SandboxServer sandbox = SandboxServer.start(config)) {
            Client api = Client.openAi(sandbox);
            String id = submit(api, lines(20));
            JsonNode expired = OpenAiContractTest.awaitStatusOn(api, id, "expired", "completed");
            assertThat(expired.get("status").asText()).isEqualTo("expired");
            Support.assertRecentUnix(expired.get("expired_at"));
            int completed = expired.at("/request_counts/completed").asInt();
            assertThat(completed).isBetween(1, 6);
            assertThat(expired.at("/request_counts/failed").asInt()).isEqualTo(20 - completed);
            List<JsonNode> output = jsonl(api.get("/v1/files/" + expired.get("output_file_id").asText()
                    + "/content").body());
            List<JsonNode> errors = jsonl(api.get("/v1/files/" + expired.get("error_file_id").asText()
                    + "/content").body());
            assertThat(output).hasSize(completed);
            assertThat(errors).hasSize(20 - completed).allSatisfy(l -> {
                assertThat(l.get("response").isNull()).isTrue();
                assertThat(l.at("/error/code").asText()).isEqualTo("batch_expired");
            });
            Set<String> all = new LinkedHashSet<>();
            output.forEach(l -> all.add(l.get("custom_id").asText()));
            errors.forEach(l -> all.add(l.get("custom_id").asText()));
            assertThat(all).hasSize(20);
            assertThat(sandbox.stats().openai().linesExpired()).isEqualTo(20 - completed);
        }
    }

    @Test
    void theExpireAfterFractionFaultExpiresBatchesPartWay() {
        try (SandboxServer sandbox = SandboxServer.start(Support.fast().build())) {
            sandbox.faults().anthropic().expireAfterFraction(0.5);
            Client api = Client.anthropic(sandbox);
            ObjectNode body = AnthropicContractTest.batch(Support.ids("e", 10));
            String id = api.post("/v1/messages/batches", body).json().get("id").asText();
            JsonNode ended = Support.await(() -> api.get("/v1/messages/batches/" + id).json(),
                    b -> b.get("processing_status").asText().equals("ended"));
            assertThat(ended.at("/request_counts/succeeded").asInt()).isEqualTo(5);
            assertThat(ended.at("/request_counts/expired").asInt()).isEqualTo(5);
            List<JsonNode> results = jsonl(api.get(ended.get("results_url").asText()).body());
            assertThat(results.stream().filter(r -> r.at("/result/type").asText().equals("expired")).count())
                    .isEqualTo(5);
        }
    }

    @Test
    void cancellingAnOpenAiBatchKeepsItsPartialOutput() throws IOException {
        try (SandboxServer sandbox = SandboxServer.start(Support.fast().speed(1).tokensPerSecond(204).build())) {
            Client api = Client.openAi(sandbox);
            String id = submit(api, lines(30));
            Support.await(() -> api.get("/v1/batches/" + id).json(),
                    b -> b.at("/request_counts/completed").asInt() >= 2);
            JsonNode cancelling = api.post("/v1/batches/" + id + "/cancel", "").json();
            assertThat(cancelling.get("status").asText()).isEqualTo("cancelling");
            Support.assertRecentUnix(cancelling.get("cancelling_at"));
            JsonNode cancelled = OpenAiContractTest.awaitStatusOn(api, id, "cancelled");
            Support.assertRecentUnix(cancelled.get("cancelled_at"));
            int completed = cancelled.at("/request_counts/completed").asInt();
            assertThat(completed).isBetween(2, 29);
            assertThat(jsonl(api.get("/v1/files/" + cancelled.get("output_file_id").asText() + "/content").body()))
                    .hasSize(completed);
            assertThat(jsonl(api.get("/v1/files/" + cancelled.get("error_file_id").asText() + "/content").body()))
                    .hasSize(30 - completed)
                    .allSatisfy(l -> assertThat(l.at("/error/code").asText()).isEqualTo("batch_cancelled"));
            Client.Response again = api.post("/v1/batches/" + id + "/cancel", "");
            assertThat(again.status()).isEqualTo(200);
        }
    }

    @Test
    void aBatchWhoseInputVanishedFailsWithoutStoppingTheOthers() throws IOException {
        try (SandboxServer sandbox = SandboxServer.start(Support.fast().build())) {
            Client api = Client.openAi(sandbox);
            String fileId = api.uploadOpenAi(lines(3), "batch").json().get("id").asText();
            // pulled from under the sandbox, as a full or broken disk would
            Files.delete(sandbox.dataDir().resolve("files").resolve(fileId + ".data"));
            String broken = api.post("/v1/batches", Map.of("input_file_id", fileId, "endpoint",
                    "/v1/chat/completions", "completion_window", "24h")).json().get("id").asText();
            String healthy = submit(api, lines(3));
            JsonNode failed = OpenAiContractTest.awaitStatusOn(api, broken, "failed", "completed");
            assertThat(failed.get("status").asText()).isEqualTo("failed");
            assertThat(failed.at("/errors/data/0/code").asText()).isEqualTo("server_error");
            assertThat(OpenAiContractTest.awaitStatusOn(api, healthy, "completed", "failed").get("status").asText())
                    .isEqualTo("completed");
        }
    }

    @Test
    void aRestartedSandboxContinuesItsBatchesWhereTheyStopped() throws IOException {
        Path data = tmp.resolve("data");
        SandboxConfig config = Support.fast().dataDir(data).speed(1).tokensPerSecond(1020).build();
        String openAiId;
        String anthropicId;
        String geminiName;
        int doneBefore;
        try (SandboxServer first = SandboxServer.start(config)) {
            Client openAi = Client.openAi(first);
            openAiId = submit(openAi, lines(40));
            anthropicId = Client.anthropic(first).post("/v1/messages/batches", AnthropicContractTest.batch("a", "b"))
                    .json().get("id").asText();
            geminiName = Client.gemini(first).post("/v1beta/models/gemini-2.5-flash:batchGenerateContent",
                    GeminiContractTest.inlineBatch(true, "g1", "g2")).json().get("name").asText();
            doneBefore = Support.await(() -> openAi.get("/v1/batches/" + openAiId).json(),
                    b -> b.at("/request_counts/completed").asInt() >= 5).at("/request_counts/completed").asInt();
        }
        assertThat(doneBefore).isLessThan(40);
        try (SandboxServer second = SandboxServer.start(config.toBuilder().speed(1000).tokensPerSecond(1_000_000)
                .build())) {
            Client openAi = Client.openAi(second);
            JsonNode resumed = openAi.get("/v1/batches/" + openAiId).json();
            assertThat(resumed.at("/request_counts/completed").asInt()).isGreaterThanOrEqualTo(doneBefore);
            JsonNode done = OpenAiContractTest.awaitStatusOn(openAi, openAiId, "completed");
            List<JsonNode> output = jsonl(openAi.get("/v1/files/" + done.get("output_file_id").asText()
                    + "/content").body());
            // every line answered exactly once across the two runs
            assertThat(output).extracting(l -> l.get("custom_id").asText()).doesNotHaveDuplicates().hasSize(40);
            Client anthropic = Client.anthropic(second);
            assertThat(Support.await(() -> anthropic.get("/v1/messages/batches/" + anthropicId).json(),
                    b -> b.get("processing_status").asText().equals("ended")).at("/request_counts/succeeded")
                    .asInt()).isEqualTo(2);
            Client gemini = Client.gemini(second);
            assertThat(Support.await(() -> gemini.get("/v1beta/" + geminiName).json(), op -> op.get("done")
                    .asBoolean()).at("/metadata/state").asText()).isEqualTo("BATCH_STATE_SUCCEEDED");
        }
        assertThat(data.resolve("batches")).isDirectory();
    }
}
