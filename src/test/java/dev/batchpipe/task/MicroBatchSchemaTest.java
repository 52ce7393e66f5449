package dev.batchpipe.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The answer schema of a micro-batch, derived from the per-item schema: valid answers cover each item exactly once. */
class MicroBatchSchemaTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final ObjectNode ITEM = object("""
            {"type":"object","additionalProperties":false,"required":["tldr","challenge"],
             "properties":{"tldr":{"type":"string"},"challenge":{"type":"string","enum":["practice","expert"]}}}""");

    private static ObjectNode object(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void everyItemIdIsARequiredPropertyAnsweredByTheItemSchemaAndNothingElseIsAllowed() {
        ObjectNode schema = MicroBatchSchema.of(ITEM, List.of("7", "9", "12"));

        assertThat(schema.path("type").asText()).isEqualTo("object");
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(schema.path("required")).containsExactly(JSON.getNodeFactory().textNode("7"),
                JSON.getNodeFactory().textNode("9"), JSON.getNodeFactory().textNode("12"));
        assertThat(schema.path("properties").fieldNames()).toIterable().containsExactly("7", "9", "12");
        schema.path("properties").forEach(p -> assertThat(p).isEqualTo(ITEM));
        // OpenAI strict mode: every object lists all its properties as required and allows no others
        assertStrict(schema);
    }

    @Test
    void onlyAnAnswerThatCoversEveryItemOnceIsValid() {
        JsonSchemaSpec spec = new JsonSchemaSpec(MicroBatchSchema.of(ITEM, List.of("7", "9")));
        String a = "{\"tldr\":\"Loops\",\"challenge\":\"practice\"}";

        assertThat(spec.problems(object("{\"7\":" + a + ",\"9\":" + a + "}"))).isEmpty();
        assertThat(spec.problems(object("{\"7\":" + a + "}"))).isNotEmpty();
        assertThat(spec.problems(object("{\"7\":" + a + ",\"9\":" + a + ",\"10\":" + a + "}"))).isNotEmpty();
        assertThat(spec.problems(object("{\"7\":" + a + ",\"9\":{\"tldr\":\"Loops\"}}"))).isNotEmpty();
    }

    @Test
    void theItemSchemaIsCopiedNotShared() {
        ObjectNode item = ITEM.deepCopy();
        ObjectNode schema = MicroBatchSchema.of(item, List.of("1", "2"));
        ((ObjectNode) schema.path("properties").path("1")).put("description", "changed");
        assertThat(item.has("description")).isFalse();
        assertThat(schema.path("properties").path("2").has("description")).isFalse();
    }

    @Test
    void anItemIdTwiceOrNoItemIsAMistake() {
        assertThatThrownBy(() -> MicroBatchSchema.of(ITEM, List.of("1", "1"))).hasMessageContaining("appears twice");
        assertThatThrownBy(() -> MicroBatchSchema.of(ITEM, List.of())).hasMessageContaining("at least one item");
    }

    private static void assertStrict(JsonNode schema) {
        if (schema.path("type").asText().equals("object")) {
            assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
            List<String> required = new java.util.ArrayList<>();
            schema.path("required").forEach(r -> required.add(r.asText()));
            assertThat(schema.path("properties").fieldNames()).toIterable().containsExactlyInAnyOrderElementsOf(required);
            schema.path("properties").forEach(MicroBatchSchemaTest::assertStrict);
        }
    }
}
