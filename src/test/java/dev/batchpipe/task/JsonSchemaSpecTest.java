package dev.batchpipe.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class JsonSchemaSpecTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void strictSubsetDropsValueConstraintsButNotPropertiesThatShareTheirNames() throws Exception {
        ObjectNode schema = (ObjectNode) JSON.readTree("""
                {"type":"object","additionalProperties":false,"required":["format","score","tags"],
                 "properties":{
                   "format":{"type":"string","enum":["a","b"]},
                   "score":{"type":"integer","minimum":0,"maximum":10,"description":"how sure"},
                   "tags":{"type":"array","maxItems":3,"items":{"type":"string","minLength":1}}}}""");

        ObjectNode strict = new JsonSchemaSpec(schema).strictSubset();

        assertThat(strict.at("/properties/format/enum")).hasSize(2);
        assertThat(strict.at("/properties/score").has("minimum")).isFalse();
        assertThat(strict.at("/properties/score/description").asText()).isEqualTo("how sure (minimum 0, maximum 10)");
        assertThat(strict.at("/properties/tags").has("maxItems")).isFalse();
        assertThat(strict.at("/properties/tags/items").has("minLength")).isFalse();
        assertThat(strict.get("additionalProperties").asBoolean()).isFalse();
        assertThat(schema.at("/properties/score/maximum").asInt()).as("the original is untouched").isEqualTo(10);
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
