package dev.batchpipe.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class JsonSchemaSpecTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void strictSubsetDropsLengthConstraintsButKeepsRangesAndPropertiesThatShareKeywordNames() throws Exception {
        ObjectNode schema = (ObjectNode) JSON.readTree("""
                {"type":"object","additionalProperties":false,"required":["format","maxLength","score","tags"],
                 "properties":{
                   "format":{"type":"string","enum":["a","b"]},
                   "maxLength":{"type":"string","maxLength":20},
                   "score":{"type":"integer","minimum":0,"maximum":10,"description":"how sure"},
                   "tags":{"type":"array","maxItems":3,"items":{"type":"string","minLength":1}}}}""");

        ObjectNode strict = new JsonSchemaSpec(schema).strictSubset();

        assertThat(strict.at("/properties/format/enum")).hasSize(2);
        assertThat(strict.at("/properties/score/maximum").asInt()).isEqualTo(10);
        assertThat(strict.at("/properties/tags/maxItems").asInt()).isEqualTo(3);
        assertThat(strict.at("/properties/tags/items").has("minLength")).isFalse();
        assertThat(strict.at("/properties/tags/items/description").asText()).isEqualTo("(minLength 1)");
        assertThat(strict.at("/properties/maxLength").has("maxLength")).isFalse();
        assertThat(strict.at("/properties/maxLength/type").asText()).as("a property named like a keyword stays")
                .isEqualTo("string");
        assertThat(strict.get("additionalProperties").asBoolean()).isFalse();
        assertThat(schema.at("/properties/tags/items/minLength").asInt()).as("the original is untouched").isEqualTo(1);
    }

    @Test
    void problemsSayWhereAndWhat() throws Exception {
        JsonSchemaSpec spec = new JsonSchemaSpec((ObjectNode) JSON.readTree("""
                {"type":"object","required":["sentiment"],"properties":{"sentiment":{"enum":["positive","negative"]}}}"""));
        assertThat(spec.problems(JSON.readTree("{\"sentiment\":\"meh\"}")))
                .singleElement().asString().contains("$.sentiment");
        assertThat(spec.problems(JSON.readTree("{}"))).singleElement().asString().contains("sentiment");
    }
}
