package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** JSON schemas as Gemini's responseSchema (the OpenAPI subset): what is translated, kept, and only described. */
class GeminiSchemaTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode convert(String schema) throws Exception {
        return GeminiSchema.of(JSON.readTree(schema));
    }

    @Test
    void typesAreUpperCaseCountsAreStringsAndPropertyOrderIsKept() throws Exception {
        assertThat(convert("""
                {"type":"object","additionalProperties":false,"required":["b","a"],"$schema":"x",
                 "properties":{"b":{"type":"array","minItems":1,"maxItems":10,"items":{"type":"string","format":"date"}},
                               "a":{"type":"integer","minimum":0,"maximum":10,"description":"score"},
                               "c":{"type":"string","enum":["x","y"],"pattern":"^[xy]$"}}}""")).isEqualTo(JSON.readTree("""
                {"type":"OBJECT","required":["b","a"],
                 "properties":{"b":{"type":"ARRAY","minItems":"1","maxItems":"10","items":{"type":"STRING","format":"date"}},
                               "a":{"type":"INTEGER","minimum":0,"maximum":10,"description":"score"},
                               "c":{"type":"STRING","enum":["x","y"],"pattern":"^[xy]$"}},
                 "propertyOrdering":["b","a","c"]}"""));
    }

    @Test
    void nullIsNullableWhetherAsATypeListAnyOfOrEnumValue() throws Exception {
        assertThat(convert("{\"type\":[\"string\",\"null\"]}")).isEqualTo(JSON.readTree(
                "{\"type\":\"STRING\",\"nullable\":true}"));
        assertThat(convert("{\"anyOf\":[{\"type\":\"number\",\"maximum\":1},{\"type\":\"null\"}]}")).isEqualTo(
                JSON.readTree("{\"type\":\"NUMBER\",\"maximum\":1,\"nullable\":true}"));
        assertThat(convert("{\"type\":\"string\",\"enum\":[\"a\",null]}")).isEqualTo(JSON.readTree(
                "{\"type\":\"STRING\",\"enum\":[\"a\"],\"nullable\":true}"));
        assertThat(convert("{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}")).isEqualTo(JSON.readTree(
                "{\"anyOf\":[{\"type\":\"STRING\"},{\"type\":\"INTEGER\"}]}"));
    }

    @Test
    void localReferencesAreInlinedAndRecursionIsRefused() throws Exception {
        assertThat(convert("""
                {"type":"object","properties":{"who":{"$ref":"#/$defs/person","description":"the author"}},
                 "$defs":{"person":{"type":"object","properties":{"name":{"type":"string"}}}}}""")).isEqualTo(JSON.readTree("""
                {"type":"OBJECT","properties":{"who":{"type":"OBJECT","properties":{"name":{"type":"STRING"}},
                 "propertyOrdering":["name"],"description":"the author"}},"propertyOrdering":["who"]}"""));
        assertThatThrownBy(() -> convert("""
                {"$defs":{"node":{"type":"object","properties":{"next":{"$ref":"#/$defs/node"}}}},"$ref":"#/$defs/node"}"""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("recursive");
    }

    @Test
    void whatTheSubsetCannotSayIsFoldedIntoTheDescription() throws Exception {
        assertThat(convert("""
                {"type":"integer","enum":[1,2,3],"exclusiveMinimum":0,"multipleOf":5,"description":"d"}""")).isEqualTo(
                JSON.readTree("""
                {"type":"INTEGER","minimum":0,
                 "description":"d (one of [1,2,3], exclusiveMinimum 0, multipleOf 5)"}"""));
        assertThat(convert("{\"const\":\"fixed\"}")).isEqualTo(JSON.readTree("{\"enum\":[\"fixed\"],\"type\":\"STRING\"}"));
    }

    @Test
    void allOfPartsAreMerged() throws Exception {
        assertThat(convert("""
                {"allOf":[{"type":"object","required":["a"],"properties":{"a":{"type":"string"}}},
                          {"required":["b"],"properties":{"b":{"type":"boolean"}}}]}""")).isEqualTo(JSON.readTree("""
                {"type":"OBJECT","required":["a","b"],"properties":{"a":{"type":"STRING"},"b":{"type":"BOOLEAN"}},
                 "propertyOrdering":["a","b"]}"""));
    }

    @Test
    void aMicroBatchSchemaKeepsEveryItemIdRequiredAndInOrder() throws Exception {
        JsonNode item = JSON.readTree("{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"x\"],"
                + "\"properties\":{\"x\":{\"type\":\"string\"}}}");
        JsonNode gemini = GeminiSchema.of(dev.batchpipe.task.MicroBatchSchema.of(
                (com.fasterxml.jackson.databind.node.ObjectNode) item, java.util.List.of("12", "3")));
        JsonNode itemAsGemini = JSON.readTree(
                "{\"type\":\"OBJECT\",\"required\":[\"x\"],\"properties\":{\"x\":{\"type\":\"STRING\"}},\"propertyOrdering\":[\"x\"]}");
        assertThat(gemini.path("type").asText()).isEqualTo("OBJECT");
        assertThat(gemini.path("required")).isEqualTo(JSON.readTree("[\"12\",\"3\"]"));
        assertThat(gemini.path("propertyOrdering")).isEqualTo(JSON.readTree("[\"12\",\"3\"]"));
        assertThat(gemini.path("properties").path("12")).isEqualTo(itemAsGemini);
        assertThat(gemini.path("properties").path("3")).isEqualTo(itemAsGemini);
    }
}
