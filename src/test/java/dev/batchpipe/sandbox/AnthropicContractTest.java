package dev.batchpipe.sandbox;

import static dev.batchpipe.sandbox.Support.assertRecentRfc3339;
import static dev.batchpipe.sandbox.Support.assertValid;
import static dev.batchpipe.sandbox.Support.jsonl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpRequest.BodyPublishers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Anthropic Message Batches and Messages over real HTTP, field by field against provider-contracts.md. */
class AnthropicContractTest {

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(Support.fast().anthropicMaxRequests(10)
            .anthropicMaxBytes(256 * 1024));
    static final Client api = Client.anthropic(sandbox::baseUrl);

    static ObjectNode params(String prompt, boolean tool) {
        ObjectNode p = Client.JSON.createObjectNode().put("model", "claude-3-5-haiku-latest").put("max_tokens", 200);
        p.put("system", "You extract entities.");
        p.putArray("messages").addObject().put("role", "user").put("content", prompt);
        if (tool) {
            p.putArray("tools").addObject().put("name", "record_entities").put("description", "Record them")
                    .set("input_schema", AnswersTest.ENTITIES);
            p.putObject("tool_choice").put("type", "tool").put("name", "record_entities");
        }
        return p;
    }

    static ObjectNode batch(String... customIds) {
        ObjectNode body = Client.JSON.createObjectNode();
        ArrayNode requests = body.putArray("requests");
        for (String id : customIds) {
            requests.addObject().put("custom_id", id).set("params", params(AnswersTest.ARTICLE + " " + id, true));
        }
        return body;
    }

    static JsonNode create(ObjectNode body) {
        Client.Response r = api.post("/v1/messages/batches", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return r.json();
    }

    static JsonNode awaitEnded(String id) {
        return Support.await(() -> api.get("/v1/messages/batches/" + id).json(),
                b -> b.get("processing_status").asText().equals("ended"));
    }

    static void assertAnthropicError(Client.Response r, int status, String type) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        JsonNode e = r.json();
        assertThat(e.get("type").asText()).isEqualTo("error");
        assertThat(e.at("/error/type").asText()).isEqualTo(type);
        assertThat(e.at("/error/message").asText()).isNotBlank();
        assertThat(e.get("request_id").asText()).startsWith("req_");
    }

    @Test
    void batchRunsToEndedWithToolUseResults() {
        JsonNode created = create(batch("a-1", "a_2", "A3"));
        assertThat(created.get("id").asText()).startsWith("msgbatch_");
        assertThat(created.get("type").asText()).isEqualTo("message_batch");
        assertThat(created.get("processing_status").asText()).isEqualTo("in_progress");
        assertThat(created.get("request_counts").toString()).isEqualTo(
                "{\"processing\":3,\"succeeded\":0,\"errored\":0,\"canceled\":0,\"expired\":0}");
        Instant createdAt = assertRecentRfc3339(created.get("created_at"));
        // created + 24 h, at 1000x simulated speed
        assertThat(Duration.between(createdAt, Instant.parse(created.get("expires_at").asText())).toMillis())
                .isBetween(86_000L, 87_000L);
        assertThat(created.get("results_url").isNull()).isTrue();
        assertThat(created.get("ended_at").isNull()).isTrue();
        assertThat(created.get("archived_at").isNull()).isTrue();
        assertThat(created.get("cancel_initiated_at").isNull()).isTrue();

        JsonNode ended = awaitEnded(created.get("id").asText());
        assertRecentRfc3339(ended.get("ended_at"));
        assertThat(ended.at("/request_counts/succeeded").asInt()).isEqualTo(3);
        assertThat(ended.at("/request_counts/processing").asInt()).isZero();
        String resultsUrl = ended.get("results_url").asText();
        assertThat(resultsUrl).isEqualTo(sandbox.baseUrl() + "/v1/messages/batches/" + created.get("id").asText()
                + "/results");
        List<JsonNode> results = jsonl(api.get(resultsUrl).body());
        assertThat(results).extracting(r -> r.get("custom_id").asText()).containsExactlyInAnyOrder("a-1", "a_2",
                "A3");
        for (JsonNode r : results) {
            assertThat(r.at("/result/type").asText()).isEqualTo("succeeded");
            JsonNode msg = r.at("/result/message");
            assertThat(msg.get("id").asText()).startsWith("msg_");
            assertThat(msg.get("type").asText()).isEqualTo("message");
            assertThat(msg.get("role").asText()).isEqualTo("assistant");
            assertThat(msg.get("stop_reason").asText()).isEqualTo("tool_use");
            JsonNode block = msg.at("/content/0");
            assertThat(block.get("type").asText()).isEqualTo("tool_use");
            assertThat(block.get("name").asText()).isEqualTo("record_entities");
            assertThat(block.get("id").asText()).startsWith("toolu_");
            assertValid(AnswersTest.ENTITIES, block.get("input"));
            assertThat(msg.get("usage").fieldNames()).toIterable().contains("input_tokens", "output_tokens",
                    "cache_creation_input_tokens", "cache_read_input_tokens");
        }
        assertThat(sandbox.stats().anthropic().requestsReceived()).isEqualTo(3);
        assertThat(sandbox.stats().anthropic().batchesIn("ended")).isPositive();
    }

    @Test
    void invalidParamsAndInjectedFailuresComeBackAsErroredResults() {
        ObjectNode body = batch("ok");
        ObjectNode noMaxTokens = params("x", false);
        noMaxTokens.remove("max_tokens");
        ((ArrayNode) body.get("requests")).addObject().put("custom_id", "bad").set("params", noMaxTokens);
        List<JsonNode> results = jsonl(api.get(awaitEnded(create(body).get("id").asText()).get("results_url")
                .asText()).body());
        JsonNode bad = results.stream().filter(r -> r.get("custom_id").asText().equals("bad")).findFirst().orElseThrow();
        assertThat(bad.at("/result/type").asText()).isEqualTo("errored");
        assertThat(bad.at("/result/error/type").asText()).isEqualTo("error");
        assertThat(bad.at("/result/error/error/type").asText()).isEqualTo("invalid_request_error");

        sandbox.faults().anthropic().lineErrorProbability(1.0);
        JsonNode ended = awaitEnded(create(batch("x1", "x2")).get("id").asText());
        assertThat(ended.at("/request_counts/errored").asInt()).isEqualTo(2);
        for (JsonNode r : jsonl(api.get(ended.get("results_url").asText()).body())) {
            assertThat(r.at("/result/type").asText()).isEqualTo("errored");
            assertThat(r.at("/result/error/error/type").asText()).isIn("api_error", "invalid_request_error");
        }
    }

    @Test
    void createRejectsBadCustomIdsAndBodiesWithAnthropicErrors() {
        assertAnthropicError(api.post("/v1/messages/batches", batch("has space")), 400, "invalid_request_error");
        assertAnthropicError(api.post("/v1/messages/batches", batch("x".repeat(65))), 400, "invalid_request_error");
        assertAnthropicError(api.post("/v1/messages/batches", batch("dup", "dup")), 400, "invalid_request_error");
        assertAnthropicError(api.post("/v1/messages/batches", batch()), 400, "invalid_request_error");
        assertAnthropicError(api.post("/v1/messages/batches", "{\"requests\": [ {\"custom_id\": "), 400,
                "invalid_request_error");
        assertAnthropicError(api.post("/v1/messages/batches", batch(Support.ids("r", 11))), 400,
                "invalid_request_error");
        ObjectNode huge = batch("big");
        ((ObjectNode) huge.at("/requests/0/params")).put("system", "x".repeat(300 * 1024));
        assertAnthropicError(api.post("/v1/messages/batches", huge), 413, "request_too_large");
        assertAnthropicError(api.get("/v1/messages/batches/msgbatch_nope"), 404, "not_found_error");
        assertThat(sandbox.stats().anthropic().batchesCreated()).isZero();
    }

    @Test
    void headersAreRequired() {
        Client anonymous = new Client(sandbox.baseUrl(), Provider.ANTHROPIC, null);
        assertAnthropicError(anonymous.send(anonymous.request("/v1/messages/batches").header("anthropic-version",
                "2023-06-01").GET().build()), 401, "authentication_error");
        assertAnthropicError(anonymous.send(anonymous.request("/v1/messages/batches").header("x-api-key", "k")
                .GET().build()), 400, "invalid_request_error");
    }

    @Test
    void listPagesNewestFirstWithBeforeAndAfterIds() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(0, create(batch("l" + i)).get("id").asText());
        }
        JsonNode first = api.get("/v1/messages/batches?limit=2").json();
        assertThat(first.get("data")).extracting(b -> b.get("id").asText()).containsExactly(ids.get(0), ids.get(1));
        assertThat(first.get("has_more").asBoolean()).isTrue();
        assertThat(first.get("first_id").asText()).isEqualTo(ids.get(0));
        assertThat(first.get("last_id").asText()).isEqualTo(ids.get(1));
        JsonNode older = api.get("/v1/messages/batches?limit=2&after_id=" + ids.get(1)).json();
        assertThat(older.at("/data/0/id").asText()).isEqualTo(ids.get(2));
        JsonNode newer = api.get("/v1/messages/batches?limit=1&before_id=" + ids.get(1)).json();
        assertThat(newer.get("data")).extracting(b -> b.get("id").asText()).containsExactly(ids.get(0));
        assertThat(newer.get("has_more").asBoolean()).isFalse();
        assertAnthropicError(api.get("/v1/messages/batches?limit=1001"), 400, "invalid_request_error");
    }

    @Test
    void cancelReportsCanceledLinesAndDeleteForgetsTheBatch() {
        // a throughput of one line a second (simulated) keeps the batch busy long enough to cancel it
        try (SandboxServer slow = SandboxServer.start(Support.fast().tokensPerSecond(300).speed(1).build())) {
            Client c = Client.anthropic(slow);
            String id = c.post("/v1/messages/batches", batch(Support.ids("c", 10))).json().get("id").asText();
            Support.await(() -> c.get("/v1/messages/batches/" + id).json(),
                    b -> b.at("/request_counts/succeeded").asInt() >= 1);
            assertAnthropicError(c.delete("/v1/messages/batches/" + id), 400, "invalid_request_error");
            JsonNode canceling = c.post("/v1/messages/batches/" + id + "/cancel", "").json();
            assertThat(canceling.get("processing_status").asText()).isEqualTo("canceling");
            assertRecentRfc3339(canceling.get("cancel_initiated_at"));
            JsonNode ended = Support.await(() -> c.get("/v1/messages/batches/" + id).json(),
                    b -> b.get("processing_status").asText().equals("ended"));
            int succeeded = ended.at("/request_counts/succeeded").asInt();
            int canceled = ended.at("/request_counts/canceled").asInt();
            assertThat(succeeded).isBetween(1, 9);
            assertThat(succeeded + canceled).isEqualTo(10);
            List<JsonNode> results = jsonl(c.get(ended.get("results_url").asText()).body());
            assertThat(results).hasSize(10);
            assertThat(results.stream().filter(r -> r.at("/result/type").asText().equals("canceled")).count())
                    .isEqualTo(canceled);
            JsonNode deleted = c.delete("/v1/messages/batches/" + id).json();
            assertThat(deleted.toString()).isEqualTo("{\"id\":\"" + id + "\",\"type\":\"message_batch_deleted\"}");
            assertThat(c.get("/v1/messages/batches/" + id).status()).isEqualTo(404);
        }
    }

    @Test
    void enqueuedTokenQuotaAnswers429() {
        sandbox.faults().anthropic().enqueuedTokenLimit(100L);
        assertAnthropicError(api.post("/v1/messages/batches", batch("q1")), 429, "rate_limit_error");
        sandbox.faults().anthropic().enqueuedTokenLimit(null);
        assertThat(api.post("/v1/messages/batches", batch("q1")).status()).isEqualTo(200);
        assertThat(sandbox.stats().anthropic().rateLimited()).isEqualTo(1);
    }

    @Test
    void realtimeMessagesAnswerWithTextOrToolUse() {
        Client.Response text = api.post("/v1/messages", params("Who met in Berlin?", false));
        assertThat(text.status()).isEqualTo(200);
        assertThat(text.header("request-id")).isPresent();
        assertThat(text.json().at("/content/0/type").asText()).isEqualTo("text");
        assertThat(text.json().get("stop_reason").asText()).isEqualTo("end_turn");
        JsonNode tool = api.post("/v1/messages", params(AnswersTest.ARTICLE, true)).json();
        assertValid(AnswersTest.ENTITIES, tool.at("/content/0/input"));
        assertAnthropicError(api.post("/v1/messages", Map.of("model", "claude-3-5-haiku-latest")), 400,
                "invalid_request_error");
        Client.Response raw = api.send(api.request("/v1/messages").header("content-type", "application/json")
                .POST(BodyPublishers.ofString("[1,2")).build());
        assertAnthropicError(raw, 400, "invalid_request_error");
        assertThat(sandbox.stats().anthropic().realtimeCalls()).isEqualTo(4);
    }
}
