package dev.batchpipe.sandbox;

import static dev.batchpipe.sandbox.Support.assertValid;
import static dev.batchpipe.sandbox.Support.parse;
import static dev.batchpipe.sandbox.Support.violations;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The answer generator on its own: schema validity (checked by networknt), determinism, prompt words. */
class AnswersTest {

    static final String ARTICLE = "Angela Merkel met Emmanuel Macron in Berlin on Tuesday. The European Central "
            + "Bank warned that energy prices and inflation expectations remain high across the eurozone.";

    static final JsonNode ENTITIES = parse("""
            {"type":"object","additionalProperties":false,"required":["entities","topics","sentiment","summary"],
             "properties":{
               "entities":{"type":"array","minItems":1,"maxItems":5,"items":{"type":"object",
                 "additionalProperties":false,"required":["name","kind"],
                 "properties":{"name":{"type":"string","minLength":2},"kind":{"enum":["person","org","place"]}}}},
               "topics":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3,"uniqueItems":true},
               "sentiment":{"type":"number","minimum":-1,"maximum":1},
               "summary":{"type":"string","maxLength":80}}}""");

    static final JsonNode KITCHEN_SINK = parse("""
            {"$defs":{"person":{"type":"object","required":["name","email"],"properties":{
                "name":{"type":"string"},"email":{"type":"string","format":"email"},
                "born":{"type":"string","format":"date"}}}},
             "type":"object",
             "required":["id","people","score","count","flag","when","note","level","tag","pair","mixed","code"],
             "properties":{
               "id":{"type":"string","format":"uuid"},
               "people":{"type":"array","items":{"$ref":"#/$defs/person"},"minItems":2,"maxItems":2},
               "score":{"type":"integer","exclusiveMinimum":5,"maximum":9,"multipleOf":2},
               "count":{"type":["integer","null"],"minimum":100},
               "flag":{"type":"boolean"},
               "when":{"type":"string","format":"date-time"},
               "note":{"anyOf":[{"type":"null"},{"type":"string","minLength":30,"maxLength":40}]},
               "level":{"const":"high"},
               "tag":{"type":"string","enum":["a","b"]},
               "pair":{"type":"array","prefixItems":[{"type":"integer"},{"type":"string"}],"minItems":2},
               "mixed":{"allOf":[{"type":"object","required":["x"],"properties":{"x":{"type":"number",
                 "exclusiveMaximum":0}}},{"type":"object","required":["y"],"properties":{"y":{"type":"boolean"}}}]},
               "code":{"type":"string","pattern":"^[a-z]+$"}}}""");

    private static final ProviderFaults NO_FAULTS = new ProviderFaults();

    private static ParsedRequest request(String prompt, JsonNode schema) {
        return ParsedRequest.text("gpt-4o-mini", "You extract facts.\n" + prompt, prompt, 256).withSchema(schema);
    }

    @Test
    void structuredAnswersValidateAgainstTheirSchemaForManyPrompts() {
        for (int i = 0; i < 200; i++) {
            String prompt = ARTICLE + " Story " + i + ".";
            assertValid(ENTITIES, Answers.answer(request(prompt, ENTITIES), 1, false, NO_FAULTS).structured());
            assertValid(KITCHEN_SINK, Answers.answer(request(prompt, KITCHEN_SINK), 1, false, NO_FAULTS).structured());
        }
    }

    @Test
    void geminiOpenApiSchemasWithUpperCaseTypesAndStringBoundsAreHonoured() {
        JsonNode gemini = parse("""
                {"type":"OBJECT","required":["topics","rating"],"propertyOrdering":["rating","topics"],
                 "properties":{"topics":{"type":"ARRAY","minItems":"2","maxItems":"2","items":{"type":"STRING"}},
                   "rating":{"type":"INTEGER","minimum":1,"maximum":5},
                   "label":{"type":"STRING","format":"enum","enum":["good","bad"]},
                   "comment":{"type":"STRING","nullable":true}}}""");
        for (int i = 0; i < 50; i++) {
            JsonNode answer = Answers.answer(request(ARTICLE + i, gemini), 1, false, NO_FAULTS).structured();
            assertValid(asJsonSchema(gemini), answer);
            assertThat(answer.get("topics")).hasSize(2);
        }
    }

    @Test
    void sameModelAndPromptGiveTheSameAnswerAndOtherPromptsAnother() {
        Answers.Answer a = Answers.answer(request(ARTICLE, ENTITIES), 1, false, NO_FAULTS);
        Answers.Answer b = Answers.answer(request(ARTICLE, ENTITIES), 1, false, NO_FAULTS);
        assertThat(a.text()).isEqualTo(b.text());
        assertThat(a.structured()).isEqualTo(b.structured());
        Set<String> answers = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            answers.add(Answers.answer(request(ARTICLE + " Update " + i, ENTITIES), 1, false, NO_FAULTS).text());
        }
        assertThat(answers).hasSizeGreaterThan(15);
        ParsedRequest otherModel = new ParsedRequest("gpt-4.1", "You extract facts.\n" + ARTICLE, ARTICLE,
                ParsedRequest.Kind.SCHEMA, ENTITIES, null, 256, 0, 0);
        assertThat(Answers.answer(otherModel, 1, false, NO_FAULTS).text()).isNotEqualTo(a.text());
    }

    @Test
    void entityNamesAndTopicsComeFromTheUserPrompt() {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            String prompt = ARTICLE + " Part " + i;
            JsonNode answer = Answers.answer(request(prompt, ENTITIES), 1, false, NO_FAULTS).structured();
            answer.get("entities").forEach(e -> names.add(e.get("name").asText()));
            answer.get("topics").forEach(t -> assertThat(prompt.toLowerCase()).contains(t.asText()));
        }
        // names are capitalised runs of the article: related stories repeat them
        assertThat(names).contains("Angela Merkel", "Emmanuel Macron").allSatisfy(n -> assertThat(
                ARTICLE + " Part 0123456789").contains(n.split(" ")[0]));
        assertThat(names).doesNotContain("You", "The");
    }

    @Test
    void invalidAnswersFailValidation() {
        for (JsonNode schema : new JsonNode[] {ENTITIES, KITCHEN_SINK, parse("{\"type\":\"string\"}"),
                parse("{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}")}) {
            JsonNode invalid = Answers.answer(request(ARTICLE, schema), 1, true, NO_FAULTS).structured();
            assertThat(violations(schema, invalid)).as("%s should not validate", invalid).isNotEmpty();
        }
    }

    @Test
    void microBatchKnobsLeaveOutTheFirstItemsAndBreakTheNextOnesOfAMicroBatchAnswerOnly() {
        JsonNode item = parse("{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"tldr\"],"
                + "\"properties\":{\"tldr\":{\"type\":\"string\"}}}");
        ObjectNode group = Json.object().put("type", "object").put("additionalProperties", false);
        for (String id : new String[] {"5", "6", "7", "8"}) {
            group.withObject("properties").set(id, item);
            group.withArray("required").add(id);
        }
        ProviderFaults faults = new ProviderFaults().groupMissingIds(2).groupInvalidIds(1);

        JsonNode answer = Answers.answer(request(ARTICLE, group), 1, false, faults).structured();
        assertThat(answer.fieldNames()).toIterable().containsExactly("7", "8");
        assertThat(violations(item, answer.get("7"))).isNotEmpty();
        assertThat(violations(item, answer.get("8"))).isEmpty();
        // any other schema is answered as it is
        assertValid(ENTITIES, Answers.answer(request(ARTICLE, ENTITIES), 1, false, faults).structured());
        assertValid(group, Answers.answer(request(ARTICLE, group), 1, false, NO_FAULTS).structured());
    }

    @Test
    void textAnswersStayWithinTheOutputBudgetAndCountTokensAsBytesOverFour() {
        ParsedRequest req = ParsedRequest.text("claude-x", "Summarise: " + ARTICLE, ARTICLE, 5);
        int prompt = TokenCounting.PROMPT_TEXT.promptTokens(req, Json.object());
        Answers.Answer answer = Answers.answer(req, prompt, false, NO_FAULTS);
        assertThat(answer.text().length()).isLessThanOrEqualTo(20);
        assertThat(answer.outputTokens()).isEqualTo((answer.text().getBytes().length + 3) / 4);
        assertThat(answer.inputTokens()).isEqualTo(prompt).isEqualTo((("Summarise: " + ARTICLE).getBytes().length + 3) / 4);
        assertThat(Tokens.of("héllo")).isEqualTo(2);
    }

    /** Gemini's OpenAPI subset as JSON Schema, so networknt can check answers against it. */
    static JsonNode asJsonSchema(JsonNode openApi) {
        JsonNode copy = openApi.deepCopy();
        convert(copy);
        return copy;
    }

    private static void convert(JsonNode node) {
        if (node instanceof ObjectNode o) {
            if (o.path("type").isTextual()) {
                o.put("type", o.get("type").asText().toLowerCase());
            }
            for (String bound : new String[] {"minItems", "maxItems", "minLength", "maxLength"}) {
                if (o.path(bound).isTextual()) {
                    o.put(bound, Integer.parseInt(o.get(bound).asText()));
                }
            }
            if ("enum".equals(o.path("format").asText())) {
                o.remove("format");
            }
            if (o.path("nullable").asBoolean(false) && o.get("type") instanceof TextNode t) {
                o.putArray("type").add(t.asText()).add("null");
            }
            o.remove("nullable");
            o.remove("propertyOrdering");
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                convert(it.next().getValue());
            }
        } else if (node != null && node.isArray()) {
            node.forEach(AnswersTest::convert);
        }
    }
}
