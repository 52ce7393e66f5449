package dev.batchpipe.sandbox;

import static dev.batchpipe.sandbox.Support.assertRecentRfc3339;
import static dev.batchpipe.sandbox.Support.assertValid;
import static dev.batchpipe.sandbox.Support.jsonl;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Gemini Batch, Files and generateContent over real HTTP, field by field against provider-contracts.md. */
class GeminiContractTest {

    static final String MODEL = "gemini-2.5-flash";
    static final JsonNode SCHEMA = Support.parse("""
            {"type":"OBJECT","required":["topics","people"],"properties":{
              "topics":{"type":"ARRAY","items":{"type":"STRING"},"minItems":"1","maxItems":"3"},
              "people":{"type":"ARRAY","items":{"type":"STRING"}},
              "tone":{"type":"STRING","enum":["positive","neutral","negative"]}}}""");

    @RegisterExtension
    static final SandboxExtension sandbox = new SandboxExtension(Support.fast());
    static final Client api = Client.gemini(sandbox::baseUrl);

    static ObjectNode request(String prompt) {
        ObjectNode r = Client.JSON.createObjectNode();
        r.putArray("contents").addObject().put("role", "user").putArray("parts").addObject().put("text", prompt);
        r.putObject("systemInstruction").putArray("parts").addObject().put("text", "Extract topics.");
        ObjectNode config = r.putObject("generationConfig").put("responseMimeType", "application/json")
                .put("maxOutputTokens", 300);
        config.set("responseSchema", SCHEMA);
        return r;
    }

    static ObjectNode inlineBatch(boolean snake, String... keys) {
        ObjectNode body = Client.JSON.createObjectNode();
        ObjectNode batch = body.putObject("batch").put(snake ? "display_name" : "displayName", "inline-test");
        ArrayNode requests = batch.putObject(snake ? "input_config" : "inputConfig").putObject("requests")
                .putArray("requests");
        for (String key : keys) {
            ObjectNode item = requests.addObject();
            item.set("request", request(AnswersTest.ARTICLE + " " + key));
            item.putObject("metadata").put("key", key);
        }
        return body;
    }

    static JsonNode awaitDone(String name) {
        return Support.await(() -> api.get("/v1beta/" + name).json(), op -> op.get("done").asBoolean());
    }

    static void assertGeminiError(Client.Response r, int code, String status) {
        assertThat(r.status()).as(r.body()).isEqualTo(code);
        JsonNode e = r.json().get("error");
        assertThat(e.get("code").asInt()).isEqualTo(code);
        assertThat(e.get("status").asText()).isEqualTo(status);
        assertThat(e.get("message").asText()).isNotBlank();
    }

    @Test
    void inlineBatchRunsToSucceededWithInlinedResponsesInOrder() {
        JsonNode op = api.post("/v1beta/models/" + MODEL + ":batchGenerateContent", inlineBatch(false, "k1", "k2",
                "k3")).json();
        String name = op.get("name").asText();
        assertThat(name).startsWith("batches/");
        assertThat(op.get("done").asBoolean()).isFalse();
        JsonNode meta = op.get("metadata");
        assertThat(meta.get("@type").asText()).endsWith("GenerateContentBatch");
        assertThat(meta.get("state").asText()).isEqualTo("BATCH_STATE_PENDING");
        assertThat(meta.get("model").asText()).isEqualTo("models/" + MODEL);
        assertThat(meta.get("displayName").asText()).isEqualTo("inline-test");
        assertRecentRfc3339(meta.get("createTime"));
        assertThat(meta.at("/batchStats/requestCount").isTextual()).isTrue();
        assertThat(meta.at("/batchStats/requestCount").asText()).isEqualTo("3");
        assertThat(meta.at("/batchStats/pendingRequestCount").asText()).isEqualTo("3");

        JsonNode done = awaitDone(name);
        assertThat(done.at("/metadata/state").asText()).isEqualTo("BATCH_STATE_SUCCEEDED");
        assertThat(done.at("/metadata/batchStats/successfulRequestCount").asText()).isEqualTo("3");
        assertThat(done.at("/metadata/batchStats/failedRequestCount").asText()).isEqualTo("0");
        assertThat(done.at("/response/@type").asText()).endsWith("GenerateContentBatchOutput");
        JsonNode responses = done.at("/response/inlinedResponses/inlinedResponses");
        assertThat(responses).extracting(r -> r.at("/metadata/key").asText()).containsExactly("k1", "k2", "k3");
        for (JsonNode r : responses) {
            JsonNode text = Support.parse(r.at("/response/candidates/0/content/parts/0/text").asText());
            assertValid(AnswersTest.asJsonSchema(SCHEMA), text);
            JsonNode usage = r.at("/response/usageMetadata");
            assertThat(usage.get("totalTokenCount").asInt()).isEqualTo(usage.get("promptTokenCount").asInt()
                    + usage.get("candidatesTokenCount").asInt());
        }
        assertThat(sandbox.stats().gemini().requestsReceived()).isEqualTo(3);
        assertThat(sandbox.stats().gemini().batchesIn("BATCH_STATE_SUCCEEDED")).isPositive();
        assertGeminiError(api.post("/v1beta/" + name + ":cancel", "{}"), 400, "INVALID_ARGUMENT");
    }

    @Test
    void fileBatchUsesResumableUploadAndAResponsesFile() {
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            ObjectNode line = Client.JSON.createObjectNode().put("key", "f-" + i);
            line.set("request", request("Story " + i + ": " + AnswersTest.ARTICLE));
            lines.append(line).append('\n');
        }
        byte[] content = lines.toString().getBytes(StandardCharsets.UTF_8);
        Client.Response upload = api.uploadGemini(content, "requests.jsonl", 1000);
        assertThat(upload.status()).as(upload.body()).isEqualTo(200);
        assertThat(upload.header("x-goog-upload-status")).contains("final");
        JsonNode file = upload.json().get("file");
        String fileName = file.get("name").asText();
        assertThat(fileName).startsWith("files/");
        assertThat(file.get("sizeBytes").asText()).isEqualTo(String.valueOf(content.length));
        assertThat(file.get("displayName").asText()).isEqualTo("requests.jsonl");
        assertThat(file.get("state").asText()).isEqualTo("ACTIVE");
        assertThat(api.get("/v1beta/" + fileName).json().get("name").asText()).isEqualTo(fileName);

        ObjectNode body = Client.JSON.createObjectNode();
        body.putObject("batch").put("display_name", "file-test").putObject("input_config").put("file_name", fileName);
        JsonNode op = api.post("/v1beta/models/" + MODEL + ":batchGenerateContent", body).json();
        JsonNode done = awaitDone(op.get("name").asText());
        String responsesFile = done.at("/response/responsesFile").asText();
        assertThat(responsesFile).startsWith("files/");
        assertThat(done.at("/metadata/output/responsesFile").asText()).isEqualTo(responsesFile);
        List<JsonNode> out = jsonl(api.get("/download/v1beta/" + responsesFile + ":download?alt=media").body());
        assertThat(out).hasSize(20).allSatisfy(l -> {
            assertThat(l.get("key").asText()).startsWith("f-");
            assertValid(AnswersTest.asJsonSchema(SCHEMA), Support.parse(
                    l.at("/response/candidates/0/content/parts/0/text").asText()));
        });
        assertThat(sandbox.stats().gemini().filesUploaded()).isEqualTo(1);
    }

    @Test
    void listPagesWithPageTokens() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            names.add(0, api.post("/v1beta/models/" + MODEL + ":batchGenerateContent", inlineBatch(true, "x" + i))
                    .json().get("name").asText());
        }
        JsonNode first = api.get("/v1beta/batches?pageSize=2").json();
        assertThat(first.get("operations")).extracting(o -> o.get("name").asText()).containsExactly(names.get(0),
                names.get(1));
        JsonNode second = api.get("/v1beta/batches?pageSize=2&pageToken=" + first.get("nextPageToken").asText())
                .json();
        assertThat(second.at("/operations/0/name").asText()).isEqualTo(names.get(2));
        assertGeminiError(api.get("/v1beta/batches?pageToken=bogus"), 400, "INVALID_ARGUMENT");
    }

    @Test
    void cancelEndsCancelledWithFinishedLinesKept() {
        try (SandboxServer slow = SandboxServer.start(Support.fast().tokensPerSecond(600).speed(1).build())) {
            Client c = Client.gemini(slow);
            String name = c.post("/v1beta/models/" + MODEL + ":batchGenerateContent", inlineBatch(false,
                    Support.ids("c", 10))).json().get("name").asText();
            Support.await(() -> c.get("/v1beta/" + name).json(),
                    op -> !op.at("/metadata/batchStats/successfulRequestCount").asText().equals("0"));
            Client.Response cancel = c.post("/v1beta/" + name + ":cancel", "{}");
            assertThat(cancel.status()).isEqualTo(200);
            assertThat(cancel.json().isEmpty()).isTrue();
            JsonNode done = Support.await(() -> c.get("/v1beta/" + name).json(), op -> op.get("done").asBoolean());
            assertThat(done.at("/metadata/state").asText()).isEqualTo("BATCH_STATE_CANCELLED");
            int succeeded = Integer.parseInt(done.at("/metadata/batchStats/successfulRequestCount").asText());
            assertThat(succeeded).isBetween(1, 9);
            assertThat(done.at("/response/inlinedResponses/inlinedResponses")).hasSize(succeeded);
            // cancelling again changes nothing
            assertThat(c.post("/v1beta/" + name + ":cancel", "{}").status()).isEqualTo(200);
        }
    }

    @Test
    void errorsUseGeminiShapes() {
        Client anonymous = new Client(sandbox.baseUrl(), Provider.GEMINI, null);
        assertGeminiError(anonymous.get("/v1beta/batches"), 401, "UNAUTHENTICATED");
        assertThat(anonymous.get("/v1beta/batches?key=AIza-test").status()).isEqualTo(200);
        assertGeminiError(api.get("/v1beta/batches/nope"), 404, "NOT_FOUND");
        assertGeminiError(api.post("/v1beta/models/" + MODEL + ":batchGenerateContent", "{\"batch\": {"), 400,
                "INVALID_ARGUMENT");
        assertGeminiError(api.post("/v1beta/models/" + MODEL + ":batchGenerateContent", "{\"batch\":{}}"), 400,
                "INVALID_ARGUMENT");
        ObjectNode missingFile = Client.JSON.createObjectNode();
        missingFile.putObject("batch").putObject("inputConfig").put("fileName", "files/nothere");
        assertGeminiError(api.post("/v1beta/models/" + MODEL + ":batchGenerateContent", missingFile), 404,
                "NOT_FOUND");
        sandbox.faults().gemini().enqueuedTokenLimit(MODEL, 10);
        assertGeminiError(api.post("/v1beta/models/" + MODEL + ":batchGenerateContent", inlineBatch(false, "q")),
                429, "RESOURCE_EXHAUSTED");
        assertThat(sandbox.stats().gemini().batchesCreated()).isZero();
    }

    @Test
    void generateContentAnswersWithSchemaValidJson() {
        Client.Response r = api.post("/v1beta/models/" + MODEL + ":generateContent", request(AnswersTest.ARTICLE));
        assertThat(r.status()).isEqualTo(200);
        JsonNode body = r.json();
        assertThat(body.at("/candidates/0/finishReason").asText()).isEqualTo("STOP");
        assertThat(body.at("/candidates/0/content/role").asText()).isEqualTo("model");
        assertValid(AnswersTest.asJsonSchema(SCHEMA), Support.parse(body.at("/candidates/0/content/parts/0/text")
                .asText()));
        ObjectNode jsonSchema = request(AnswersTest.ARTICLE);
        ObjectNode config = (ObjectNode) jsonSchema.get("generationConfig");
        config.remove("responseSchema");
        config.set("responseJsonSchema", AnswersTest.ENTITIES);
        assertValid(AnswersTest.ENTITIES, Support.parse(api.post("/v1beta/models/" + MODEL + ":generateContent",
                jsonSchema).json().at("/candidates/0/content/parts/0/text").asText()));
        assertGeminiError(api.post("/v1beta/models/" + MODEL + ":generateContent", "{}"), 400, "INVALID_ARGUMENT");
    }
}
