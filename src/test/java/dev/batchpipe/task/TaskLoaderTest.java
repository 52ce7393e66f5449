package dev.batchpipe.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TaskLoaderTest {

    private static final String MINIMAL = """
            name: t
            provider: openai
            model: gpt-4o-mini
            input:
              key: id
              schema: {type: object, required: [id, body], properties: {id: {type: string}, body: {type: string}}}
            requests:
              - name: only
                user: "Read {{body}}"
                schema: {type: object, required: [x], properties: {x: {type: integer, minimum: 0, maximum: 3}}}
                output:
                  - table: t_rows
                    replace: [k]
                    columns: {k: $item.id, x: $.x}
            """;

    @Test
    void theShippedTasksLoad() throws IOException {
        for (String name : new String[] {"news-classification", "knowledge-extraction", "topic-enrichment",
                "article-embeddings", "fashion-images"}) {
            try (InputStream in = Files.newInputStream(Path.of("tasks", name + ".yaml"))) {
                TaskDefinition t = TaskLoader.load(in, name);
                assertThat(t.name()).isEqualTo(name);
                assertThat(t.requests()).isNotEmpty();
            }
        }
    }

    @Test
    void aMinimalTaskRendersAndValidates() {
        TaskDefinition t = load(MINIMAL);
        TaskDefinition.RequestTemplate r = t.request("only");
        assertThat(r.user().render(new ObjectMapper().createObjectNode().put("id", "1").put("body", "news")))
                .isEqualTo("Read news");
        assertThat(r.answerSchema().problems(new ObjectMapper().createObjectNode().put("x", 2))).isEmpty();
        assertThat(r.answerSchema().problems(new ObjectMapper().createObjectNode().put("x", 7))).hasSize(1);
        assertThat(r.outputs().get(0).columns().get("k")).isInstanceOf(ValueExpression.Path.class);
    }

    @Test
    void aSourceTableMakesATaskDatabaseTriggered() {
        TaskDefinition t = load(MINIMAL + "source:\n  table: t_source\n  schedule: overnight\n  priority: 9\n");
        assertThat(t.source()).isEqualTo(new TaskDefinition.Source("t_source", true, "overnight", 9));
        assertThat(load(MINIMAL).source()).isNull();
        assertThatThrownBy(() -> load(MINIMAL + "source:\n  table: \"drop table x\"\n"))
                .hasMessage("t.yaml: source: table must be a plain lower-case SQL name");
    }

    @Test
    void aTaskMayHaveADayBudget() {
        assertThat(load(MINIMAL + "budget_usd_per_day: 12.5\n").budgetUsdPerDay()).isEqualByComparingTo("12.5");
        assertThat(load(MINIMAL).budgetUsdPerDay()).isNull();
        assertThatThrownBy(() -> load(MINIMAL + "budget_usd_per_day: lots\n"))
                .hasMessage("t.yaml: budget_usd_per_day must be a positive number of US dollars");
    }

    @Test
    void aTaskMayCapItsRealtimeRequestsADayAndChooseItsModeByJob() {
        assertThat(load(MINIMAL + "daily_limit: 400\nmode: auto\n"))
                .extracting(TaskDefinition::dailyLimit, TaskDefinition::mode).containsExactly(400, "auto");
        assertThat(load(MINIMAL).dailyLimit()).isNull();
        assertThatThrownBy(() -> load(MINIMAL + "daily_limit: 2.5\n"))
                .hasMessage("t.yaml: daily_limit must be a positive whole number of requests a day");
    }

    @Test
    void aRequestMayPutUpToAHundredItemsInOnePrompt() {
        assertThat(load(MINIMAL.replace("    user:", "    rows_per_request: 20\n    user:")).request("only")
                .rowsPerRequest()).isEqualTo(20);
        assertThat(load(MINIMAL).request("only").rowsPerRequest()).isEqualTo(1);
        for (String bad : new String[] {"0", "101", "2.5", "many"}) {
            assertThatThrownBy(() -> load(MINIMAL.replace("    user:", "    rows_per_request: " + bad + "\n    user:")))
                    .hasMessage("t.yaml: requests[0]: rows_per_request must be a whole number from 1 to 100, not "
                            + (bad.equals("many") ? "\"many\"" : bad));
        }
        assertThatThrownBy(() -> load(MINIMAL.replace("    user:", "    rows_per_request: 5\n    system: \"About {{body}}\"\n    user:")))
                .hasMessageContaining("t.yaml: requests[0]: rows_per_request puts several items in one prompt, so the "
                        + "system prompt must not use item fields (it uses {{body}})");
    }

    @Test
    void mistakesNameTheFileAndTheKey() {
        assertThatThrownBy(() -> load(MINIMAL.replace("Read {{body}}", "Read {{bogus}}")))
                .hasMessage("t.yaml: requests[0]: prompt uses {{bogus}} which input.schema does not define");
        assertThatThrownBy(() -> load(MINIMAL.replace("x: $.x", "x: $answer.x")))
                .hasMessageContaining("t.yaml: requests[0].output[0].columns.x: unknown reference '$answer.x'");
        assertThatThrownBy(() -> load(MINIMAL.replace("replace: [k]", "replace: [x]").replace("x: $.x", "x: $row.x")))
                .hasMessageContaining("replace: 'x' must be one of the columns and must not depend on $row");
        assertThatThrownBy(() -> load(MINIMAL.replace("required: [id, body]", "required: [body]")))
                .hasMessageContaining("input.schema must list the key field 'id' as required");
        assertThatThrownBy(() -> load("name: t\n")).hasMessage("t.yaml: input is required");
    }

    private static final String EMBEDDING = """
            name: e
            provider: openai
            model: text-embedding-3-small
            input:
              key: id
              schema: {type: object, required: [id, body], properties: {id: {type: string}, body: {type: string}}}
            requests:
              - name: embed
                kind: embedding
                dimensions: 3
                text: "About {{body}}"
                output:
                  - table: e_rows
                    replace: [k]
                    columns: {k: $item.id, v: $.embedding}
            """;

    @Test
    void anEmbeddingSendsItsTextToTheEmbeddingsEndpointAndItsAnswerIsTheVector() {
        TaskDefinition.RequestTemplate r = load(EMBEDDING).request("embed");
        assertThat(r.isEmbedding()).isTrue();
        assertThat(r.endpoint()).isEqualTo("/v1/embeddings");
        assertThat(r.dimensions()).isEqualTo(3);
        assertThat(r.maxOutputTokens()).as("an embedding has no output tokens").isZero();
        assertThat(r.system().isEmpty()).isTrue();
        assertThat(r.user().render(new ObjectMapper().createObjectNode().put("body", "rates"))).isEqualTo("About rates");
        ObjectMapper json = new ObjectMapper();
        assertThat(r.answerSchema().problems(json.createObjectNode().set("embedding",
                json.createArrayNode().add(0.5).add(-0.25).add(1)))).isEmpty();
        assertThat(r.answerSchema().problems(json.createObjectNode().set("embedding",
                json.createArrayNode().add(0.5).add(-0.25)))).as("two of three dimensions").isNotEmpty();
        assertThat(r.answerSchema().problems(json.createObjectNode().set("embedding",
                json.createArrayNode().add("a").add(1).add(2)))).as("not a number").isNotEmpty();
        assertThat(load(MINIMAL).request("only").isEmbedding()).isFalse();
    }

    @Test
    void anEmbeddingTakesNoPromptSchemaOrBudgetAndAWholeDimensionCount() {
        assertThatThrownBy(() -> load(EMBEDDING.replace("dimensions: 3", "dimensions: 0")))
                .hasMessage("t.yaml: requests[0]: dimensions must be a whole number from 1 to 16000");
        assertThatThrownBy(() -> load(EMBEDDING.replace("dimensions: 3", "user: \"{{body}}\"")))
                .hasMessage("t.yaml: requests[0]: an embedding takes no user (it sends its text and answers "
                        + "{\"embedding\": [numbers]})");
        assertThatThrownBy(() -> load(EMBEDDING.replace("{{body}}", "{{bogus}}")))
                .hasMessage("t.yaml: requests[0]: text uses {{bogus}} which input.schema does not define");
        assertThatThrownBy(() -> load(EMBEDDING.replace("kind: embedding", "kind: image")))
                .hasMessage("t.yaml: requests[0]: kind must be completion or embedding, not 'image'");
        assertThat(load(EMBEDDING.replace("    dimensions: 3\n", "")).request("embed").dimensions()).isNull();
    }

    private static TaskDefinition load(String yaml) {
        return TaskLoader.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "t.yaml");
    }

    private static final String POSTS = """
            name: posts
            provider: openai
            model: gpt-4o-mini
            input:
              key: post_id
              %s
              schema:
                type: object
                required: [post_id, images]
                properties:
                  post_id: {type: string}
                  cover: {type: string, format: image}
                  images: {type: array, items: {type: string, format: image}}
                  caption: {type: string}
            requests:
              - name: look
                user: "{{caption}} {{%s}}"
                schema: {type: object, required: [x], properties: {x: {type: string}}}
                output:
                  - table: looks
                    replace: [post_id]
                    columns: {post_id: $item.post_id, x: $.x}
            """;

    @Test
    void imageFieldsAreTheInputFieldsOfFormatImage() {
        TaskDefinition t = load(POSTS.formatted("", "caption"));
        assertThat(t.imageFields()).containsExactly("cover", "images");
        assertThat(t.hasImages()).isTrue();
        assertThat(t.each()).isNull();
        assertThat(load(MINIMAL).hasImages()).isFalse();
        assertThatThrownBy(() -> load(POSTS.formatted("", "caption") + "source:\n  table: posts\n"))
                .hasMessageContaining("a task with image fields takes its input from files, not from a source table");
    }

    @Test
    void eachMakesOneItemPerImageKeyedByRecordAndImage() {
        TaskDefinition t = load(POSTS.formatted("each: {field: images, as: image}", "image"));
        assertThat(t.each()).isEqualTo(new TaskDefinition.Each("images", "image"));
        assertThat(t.itemKey(new ObjectMapper().createObjectNode().put("post_id", "p1").put("image", "a.png")))
                .isEqualTo("p1/a.png");
        assertThat(load(POSTS.formatted("each: {field: cover, as: image}", "image")).each().field()).isEqualTo("cover");
        assertThatThrownBy(() -> load(POSTS.formatted("each: {field: caption, as: image}", "caption")))
                .hasMessageContaining("input.each: field 'caption' must be a field of format image");
        assertThatThrownBy(() -> load(POSTS.formatted("each: {field: images, as: caption}", "caption")))
                .hasMessageContaining("must be a new field name");
        assertThatThrownBy(() -> load(POSTS.formatted("", "image")))
                .hasMessageContaining("prompt uses {{image}} which input.schema does not define");
    }

    @Test
    void aTaskWithImageInputsSendsEachItemInARequestOfItsOwn() {
        assertThatThrownBy(() -> load(POSTS.formatted("", "caption").replace("  - name: look\n",
                "  - name: look\n    rows_per_request: 10\n")))
                .hasMessage("t.yaml: requests[0]: rows_per_request shares one prompt's text between items; a task with "
                        + "image inputs sends each item in a request of its own");
    }

    @Test
    void anImageFieldHoldsStrings() {
        assertThatThrownBy(() -> load(POSTS.formatted("", "caption").replace(
                "cover: {type: string, format: image}", "cover: {type: integer, format: image}")))
                .hasMessageContaining("image field 'cover' must be a string or an array of strings");
    }
}
