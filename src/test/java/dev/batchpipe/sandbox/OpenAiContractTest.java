package dev.batchpipe.sandbox;

import static dev.batchpipe.sandbox.Support.assertRecentUnix;
import static dev.batchpipe.sandbox.Support.assertValid;
import static dev.batchpipe.sandbox.Support.jsonl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** OpenAI Files, Batch and realtime endpoints over real HTTP, field by field against provider-contracts.md. */
class OpenAiContractTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(Support.fast().openAiMaxRequests(5)
            .openAiMaxFileBytes(64 * 1024));
    static final Client api = Client.openAi(sandbox::baseUrl);
    @TempDir
    Path tmp;

    static ObjectNode chatLine(String id, String model, String prompt, JsonNode schema) {
        ObjectNode line = Client.JSON.createObjectNode().put("custom_id", id).put("method", "POST")
                .put("url", "/v1/chat/completions");
        ObjectNode body = line.putObject("body").put("model", model).put("max_tokens", 100);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        if (schema != null) {
            body.putObject("response_format").put("type", "json_schema").putObject("json_schema")
                    .put("name", "answer").put("strict", true).set("schema", schema);
        }
        return line;
    }

    Path file(List<? extends JsonNode> lines) throws IOException {
        Path f = Files.createTempFile(tmp, "batch", ".jsonl");
        List<String> text = new ArrayList<>();
        lines.forEach(l -> text.add(l.toString()));
        Files.write(f, text);
        return f;
    }

    String upload(List<? extends JsonNode> lines) throws IOException {
        Client.Response r = api.uploadOpenAi(file(lines), "batch");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json().get("id").asText();
    }

    static JsonNode create(String fileId, Map<String, String> metadata) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("input_file_id", fileId);
        body.put("endpoint", "/v1/chat/completions");
        body.put("completion_window", "24h");
        body.put("metadata", metadata);
        Client.Response r = api.post("/v1/batches", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    static JsonNode awaitStatus(String batchId, String... statuses) {
        return awaitStatusOn(api, batchId, statuses);
    }

    static JsonNode awaitStatusOn(Client client, String batchId, String... statuses) {
        return Support.await(() -> client.get("/v1/batches/" + batchId).json(),
                b -> List.of(statuses).contains(b.get("status").asText()));
    }

    @Test
    void uploadReturnsAFileObjectAndServesItsContent() throws IOException {
        List<ObjectNode> lines = List.of(chatLine("r-1", "gpt-4o-mini", "Hello", null));
        Path f = file(lines);
        Client.Response r = api.uploadOpenAi(f, "batch");
        JsonNode file = r.json();
        assertThat(file.get("id").asText()).startsWith("file-");
        assertThat(file.get("object").asText()).isEqualTo("file");
        assertThat(file.get("bytes").asLong()).isEqualTo(Files.size(f));
        assertRecentUnix(file.get("created_at"));
        assertThat(file.get("filename").asText()).isEqualTo(f.getFileName().toString());
        assertThat(file.get("purpose").asText()).isEqualTo("batch");
        assertThat(api.get("/v1/files/" + file.get("id").asText()).json()).isEqualTo(file);
        assertThat(api.get("/v1/files/" + file.get("id").asText() + "/content").body())
                .isEqualTo(Files.readString(f));
        assertThat(sandbox.stats().openai().filesUploaded()).isEqualTo(1);
        Client.Response missing = api.get("/v1/files/file-nope");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void batchRunsToCompletedWithOutputLinesAndUsage() throws IOException {
        JsonNode schema = AnswersTest.ENTITIES;
        String fileId = upload(List.of(chatLine("r-1", "gpt-4o-mini", AnswersTest.ARTICLE, schema),
                chatLine("r-2", "gpt-4o-mini", "Tell me about Berlin.", null)));
        JsonNode created = create(fileId, Map.of("job", "42", "owner", "tests"));
        assertThat(created.get("id").asText()).startsWith("batch_");
        assertThat(created.get("object").asText()).isEqualTo("batch");
        assertThat(created.get("endpoint").asText()).isEqualTo("/v1/chat/completions");
        assertThat(created.get("input_file_id").asText()).isEqualTo(fileId);
        assertThat(created.get("completion_window").asText()).isEqualTo("24h");
        assertThat(created.get("status").asText()).isEqualTo("validating");
        long createdAt = assertRecentUnix(created.get("created_at"));
        // 24 simulated hours at 1000x
        assertThat(created.get("expires_at").asLong() - createdAt).isBetween(85L, 88L);
        assertThat(created.get("metadata")).isEqualTo(Client.JSON.valueToTree(Map.of("job", "42", "owner", "tests")));
        assertThat(created.get("request_counts").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("total", "completed", "failed");
        for (String f : new String[] {"errors", "output_file_id", "error_file_id", "in_progress_at", "finalizing_at",
                "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at"}) {
            assertThat(created.get(f)).as(f).isNotNull();
            assertThat(created.get(f).isNull()).as(f).isTrue();
        }

        JsonNode done = awaitStatus(created.get("id").asText(), "completed", "failed");
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.get("request_counts").toString()).isEqualTo("{\"total\":2,\"completed\":2,\"failed\":0}");
        for (String f : new String[] {"in_progress_at", "finalizing_at", "completed_at"}) {
            assertThat(done.get(f).asLong()).as(f).isBetween(createdAt, createdAt + 60);
        }
        assertThat(done.get("error_file_id").isNull()).isTrue();
        assertThat(done.at("/usage/total_tokens").asLong()).isPositive();
        List<JsonNode> output = jsonl(api.get("/v1/files/" + done.get("output_file_id").asText() + "/content").body());
        assertThat(output).extracting(l -> l.get("custom_id").asText()).containsExactlyInAnyOrder("r-1", "r-2");
        for (JsonNode line : output) {
            assertThat(line.get("id").asText()).startsWith("batch_req_");
            assertThat(line.get("error").isNull()).isTrue();
            assertThat(line.at("/response/status_code").asInt()).isEqualTo(200);
            assertThat(line.at("/response/request_id").asText()).startsWith("req_");
            JsonNode body = line.at("/response/body");
            assertThat(body.get("object").asText()).isEqualTo("chat.completion");
            assertThat(body.get("model").asText()).isEqualTo("gpt-4o-mini");
            JsonNode usage = body.get("usage");
            assertThat(usage.get("total_tokens").asInt())
                    .isEqualTo(usage.get("prompt_tokens").asInt() + usage.get("completion_tokens").asInt());
            assertThat(usage.at("/prompt_tokens_details/cached_tokens").isInt()).isTrue();
            String content = body.at("/choices/0/message/content").asText();
            if (line.get("custom_id").asText().equals("r-1")) {
                assertValid(schema, Support.parse(content));
            } else {
                assertThat(content).isNotBlank();
            }
        }
        JsonNode outputFile = api.get("/v1/files/" + done.get("output_file_id").asText()).json();
        assertThat(outputFile.get("purpose").asText()).isEqualTo("batch_output");
        assertThat(sandbox.stats().openai().requestsReceived()).isEqualTo(2);
        assertThat(sandbox.stats().openai().batchesIn("completed")).isPositive();
    }

    @Test
    void sameInputLinesGiveTheSameAnswersInAnotherBatch() throws IOException {
        List<ObjectNode> lines = List.of(chatLine("r-1", "gpt-4o-mini", AnswersTest.ARTICLE, AnswersTest.ENTITIES));
        List<String> contents = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            JsonNode done = awaitStatus(create(upload(lines), null).get("id").asText(), "completed");
            JsonNode line = jsonl(api.get("/v1/files/" + done.get("output_file_id").asText() + "/content").body())
                    .get(0);
            contents.add(line.at("/response/body/choices/0/message/content").asText());
        }
        assertThat(contents.get(0)).isEqualTo(contents.get(1));
        assertThat(sandbox.stats().openai().duplicateCustomIds()).isEqualTo(1);
    }

    @Test
    void listIsNewestFirstWithCursors() throws IOException {
        String fileId = upload(List.of(chatLine("r-1", "gpt-4o-mini", "Hi", null)));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(0, create(fileId, null).get("id").asText());
        }
        JsonNode page = api.get("/v1/batches?limit=2").json();
        assertThat(page.get("object").asText()).isEqualTo("list");
        assertThat(page.get("data")).extracting(b -> b.get("id").asText()).containsExactly(ids.get(0), ids.get(1));
        assertThat(page.get("first_id").asText()).isEqualTo(ids.get(0));
        assertThat(page.get("last_id").asText()).isEqualTo(ids.get(1));
        assertThat(page.get("has_more").asBoolean()).isTrue();
        JsonNode next = api.get("/v1/batches?limit=100&after=" + ids.get(1)).json();
        assertThat(next.get("data").get(0).get("id").asText()).isEqualTo(ids.get(2));
        assertThat(api.get("/v1/batches?limit=101").status()).isEqualTo(400);
        assertThat(api.get("/v1/batches?limit=0").status()).isEqualTo(400);
    }

    @Test
    void badCreateRequestsGetOpenAiErrors() throws IOException {
        String fileId = upload(List.of(chatLine("r-1", "gpt-4o-mini", "Hi", null)));
        Client.Response invalidJson = api.post("/v1/batches", "{not json");
        assertThat(invalidJson.status()).isEqualTo(400);
        assertThat(invalidJson.json().get("error").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("message", "type", "param", "code");
        Client.Response missing = api.post("/v1/batches", Map.of("endpoint", "/v1/chat/completions",
                "completion_window", "24h"));
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().at("/error/param").asText()).isEqualTo("input_file_id");
        assertThat(api.post("/v1/batches", Map.of("input_file_id", "file-unknown", "endpoint",
                "/v1/chat/completions", "completion_window", "24h")).status()).isEqualTo(404);
        assertThat(api.get("/v1/batches/batch_unknown").status()).isEqualTo(404);
        Map<String, String> tooMany = new LinkedHashMap<>();
        for (int i = 0; i < 17; i++) {
            tooMany.put("k" + i, "v");
        }
        for (Map<String, String> metadata : List.of(tooMany, Map.of("k".repeat(65), "v"),
                Map.of("k", "v".repeat(513)))) {
            Client.Response r = api.post("/v1/batches", Map.of("input_file_id", fileId, "endpoint",
                    "/v1/chat/completions", "completion_window", "24h", "metadata", metadata));
            assertThat(r.status()).as(r.body()).isEqualTo(400);
            assertThat(r.json().at("/error/param").asText()).isEqualTo("metadata");
        }
        Map<String, String> sixteen = new LinkedHashMap<>(tooMany);
        sixteen.remove("k16");
        sixteen.put("k".repeat(64), "v".repeat(512));
        sixteen.remove("k0");
        assertThat(create(fileId, sixteen).get("metadata").size()).isEqualTo(16);
    }

    @Test
    void authIsCheckedWithOpenAiErrorsAndAzureKeysWork() {
        Client.Response none = new Client(sandbox.baseUrl(), Provider.OPENAI, null).get("/v1/batches");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().at("/error/type").asText()).isEqualTo("invalid_request_error");
        try (SandboxServer locked = SandboxServer.start(Support.fast().apiKey("right").build())) {
            Client.Response wrong = new Client(locked.baseUrl(), Provider.OPENAI, "wrong").get("/v1/batches");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.json().at("/error/code").asText()).isEqualTo("invalid_api_key");
            assertThat(new Client(locked.baseUrl(), Provider.OPENAI, "right").get("/v1/batches").status())
                    .isEqualTo(200);
            Client.Response azure = new Client(locked.baseUrl(), Provider.OPENAI, null).send(
                    new Client(locked.baseUrl(), Provider.OPENAI, null).request("/openai/v1/batches")
                            .header("api-key", "right").GET().build());
            assertThat(azure.status()).isEqualTo(200);
        }
    }

    @Test
    void azureClientsUseApiKeysAndUnversionedUrls() throws IOException {
        Client azure = Client.azure(sandbox::baseUrl);
        ObjectNode line = chatLine("az-1", "my-deployment", "Hello Azure", null);
        line.put("url", "/chat/completions");
        String fileId = azure.uploadOpenAi(file(List.of(line)), "batch").json().get("id").asText();
        Client.Response created = azure.post("/v1/batches", Map.of("input_file_id", fileId, "endpoint",
                "/chat/completions", "completion_window", "24h"));
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        JsonNode done = awaitStatusOn(azure, created.json().get("id").asText(), "completed", "failed");
        assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");
    }

    @Test
    void invalidFilesEndFailedWithLineErrors() throws IOException {
        record Case(List<ObjectNode> lines, String code, int line) {
        }
        List<Case> cases = List.of(
                new Case(List.of(chatLine("a", "gpt-4o-mini", "x", null), chatLine("a", "gpt-4o-mini", "y", null)),
                        "duplicate_custom_id", 2),
                new Case(List.of(chatLine("a", "gpt-4o-mini", "x", null), chatLine("b", "gpt-4.1", "y", null)),
                        "model_mismatch", 2),
                new Case(List.of(chatLine("a", "gpt-4o-mini", "x", null),
                        (ObjectNode) chatLine("b", "gpt-4o-mini", "y", null).put("url", "/v1/embeddings")),
                        "url_mismatch", 2),
                new Case(List.of(chatLine("a", "gpt-4o-mini", "x", null), (ObjectNode) chatLine("b", "gpt-4o-mini",
                        "y", null).without("custom_id")), "missing_required_parameter", 2),
                new Case(java.util.stream.IntStream.range(0, 6).mapToObj(i -> chatLine("r" + i, "gpt-4o-mini", "x",
                        null)).toList(), "too_many_tasks", 6));
        for (Case c : cases) {
            JsonNode failed = awaitStatus(create(upload(c.lines()), null).get("id").asText(), "failed", "completed");
            assertThat(failed.get("status").asText()).as(c.code()).isEqualTo("failed");
            assertRecentUnix(failed.get("failed_at"));
            JsonNode error = failed.at("/errors/data/0");
            assertThat(failed.at("/errors/object").asText()).isEqualTo("list");
            assertThat(error.get("code").asText()).isEqualTo(c.code());
            assertThat(error.get("line").asInt()).isEqualTo(c.line());
            assertThat(error.get("message").asText()).isNotBlank();
        }
        Path broken = Files.writeString(tmp.resolve("broken.jsonl"), "{\"custom_id\": oops\n");
        String brokenId = api.uploadOpenAi(broken, "batch").json().get("id").asText();
        assertThat(awaitStatus(create(brokenId, null).get("id").asText(), "failed").at("/errors/data/0/code")
                .asText()).isEqualTo("invalid_json_line");
        assertThat(sandbox.stats().openai().requestsReceived()).isZero();
    }

    @Test
    void overSizeUploadsAreRejectedWith413() throws IOException {
        Path big = tmp.resolve("big.jsonl");
        Files.writeString(big, "x".repeat(70 * 1024));
        Client.Response r = api.uploadOpenAi(big, "batch");
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().at("/error/code").asText()).isEqualTo("file_too_large");
        assertThat(sandbox.stats().openai().filesUploaded()).isZero();
    }

    @Test
    void failingLinesGoToTheErrorFileWithTheirHttpStatus() throws IOException {
        sandbox.faults().openAi().lineErrorProbability(1.0);
        List<ObjectNode> lines = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            lines.add(chatLine("r-" + i, "gpt-4o-mini", "Line " + i, null));
        }
        JsonNode done = awaitStatus(create(upload(lines), null).get("id").asText(), "completed");
        assertThat(done.get("output_file_id").isNull()).isTrue();
        assertThat(done.get("request_counts").toString()).isEqualTo("{\"total\":5,\"completed\":0,\"failed\":5}");
        for (JsonNode line : jsonl(api.get("/v1/files/" + done.get("error_file_id").asText() + "/content").body())) {
            assertThat(line.at("/response/status_code").asInt()).isIn(400, 500);
            assertThat(line.at("/response/body/error/message").asText()).isNotBlank();
            assertThat(line.get("error").isNull()).isTrue();
        }
        assertThat(sandbox.stats().openai().linesErrored()).isEqualTo(5);
    }

    @Test
    void aBatchOverTheEnqueuedTokenLimitFails() throws IOException {
        sandbox.faults().openAi().enqueuedTokenLimit("gpt-4o-mini", 150L);
        // each line: "Hello" (2 tokens) + max_tokens 100
        JsonNode failed = awaitStatus(create(upload(List.of(chatLine("a", "gpt-4o-mini", "Hello", null),
                chatLine("b", "gpt-4o-mini", "Hello", null))), null).get("id").asText(), "failed", "completed");
        assertThat(failed.get("status").asText()).isEqualTo("failed");
        assertThat(failed.at("/errors/data/0/code").asText()).isEqualTo("token_limit_exceeded");
        assertThat(failed.at("/errors/data/0/message").asText()).startsWith("Enqueued token limit reached for "
                + "gpt-4o-mini");
        JsonNode fits = awaitStatus(create(upload(List.of(chatLine("c", "gpt-4o-mini", "Hello", null))), null)
                .get("id").asText(), "failed", "completed");
        assertThat(fits.get("status").asText()).isEqualTo("completed");
    }

    @Test
    void realtimeEndpointsAnswerInOpenAiShapes() {
        ObjectNode chat = chatLine("x", "gpt-4o-mini", AnswersTest.ARTICLE, AnswersTest.ENTITIES).with("body");
        Client.Response r = api.post("/v1/chat/completions", chat);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("id").asText()).startsWith("chatcmpl-");
        assertValid(AnswersTest.ENTITIES, Support.parse(r.json().at("/choices/0/message/content").asText()));
        assertThat(r.json().at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(api.post("/v1/chat/completions", chat).json().at("/choices/0/message/content"))
                .isEqualTo(r.json().at("/choices/0/message/content"));

        ObjectNode tool = Client.JSON.createObjectNode().put("model", "gpt-4o-mini");
        tool.putArray("messages").addObject().put("role", "user").put("content", AnswersTest.ARTICLE);
        tool.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "extract")
                .set("parameters", AnswersTest.ENTITIES);
        tool.putObject("tool_choice").put("type", "function").putObject("function").put("name", "extract");
        JsonNode call = api.post("/v1/chat/completions", tool).json().at("/choices/0/message/tool_calls/0");
        assertThat(call.at("/function/name").asText()).isEqualTo("extract");
        assertValid(AnswersTest.ENTITIES, Support.parse(call.at("/function/arguments").asText()));

        ObjectNode responses = Client.JSON.createObjectNode().put("model", "gpt-4.1-mini").put("input",
                AnswersTest.ARTICLE);
        responses.putObject("text").putObject("format").put("type", "json_schema").put("name", "x")
                .set("schema", AnswersTest.ENTITIES);
        JsonNode resp = api.post("/v1/responses", responses).json();
        assertThat(resp.get("object").asText()).isEqualTo("response");
        assertThat(resp.get("status").asText()).isEqualTo("completed");
        assertValid(AnswersTest.ENTITIES, Support.parse(resp.at("/output/0/content/0/text").asText()));
        assertThat(resp.at("/usage/total_tokens").asInt()).isEqualTo(resp.at("/usage/input_tokens").asInt()
                + resp.at("/usage/output_tokens").asInt());

        JsonNode emb = api.post("/v1/embeddings", Map.of("model", "text-embedding-3-small", "input",
                List.of("a", "b"), "dimensions", 8)).json();
        assertThat(emb.get("data")).hasSize(2);
        assertThat(emb.at("/data/1/embedding")).hasSize(8);
        assertThat(emb.at("/usage/prompt_tokens").asInt()).isPositive();

        Client.Response bad = api.post("/v1/chat/completions", Map.of("model", "gpt-4o-mini"));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().at("/error/param").asText()).isEqualTo("messages");
        assertThat(sandbox.stats().openai().realtimeCalls()).isEqualTo(6);
    }
}
