package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.task.JsonSchemaSpec;
import dev.batchpipe.task.PromptTemplate;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskLoader;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The request template version that keys the row cache: what changes a request changes it, nothing else does. */
class RowCacheVersionTest {

    private static TaskDefinition.RequestTemplate enrich;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = Files.newInputStream(Path.of("tasks/topic-enrichment.yaml"))) {
            enrich = TaskLoader.load(in, "tasks/topic-enrichment.yaml").request("enrich");
        }
    }

    @Test
    void theSameTemplateProviderAndModelGiveTheSameVersion() throws Exception {
        String version = RowCache.version(enrich, "openai", "gpt-4o-mini");
        assertThat(version).hasSize(64).isEqualTo(RowCache.version(enrich, "openai", "gpt-4o-mini"));
        // loaded again from the file: the version is a digest of what it says, not of the object
        try (InputStream in = Files.newInputStream(Path.of("tasks/topic-enrichment.yaml"))) {
            assertThat(RowCache.version(TaskLoader.load(in, "elsewhere/topic-enrichment.yaml").request("enrich"),
                    "openai", "gpt-4o-mini")).isEqualTo(version);
        }
    }

    @Test
    void aChangedPromptSchemaModelProviderOrGroupSizeIsAnotherVersion() {
        String version = RowCache.version(enrich, "openai", "gpt-4o-mini");
        assertThat(RowCache.version(with(enrich, new PromptTemplate(enrich.system().text() + " Be brief."), enrich.user(),
                enrich.answerSchema()), "openai", "gpt-4o-mini")).isNotEqualTo(version);
        assertThat(RowCache.version(with(enrich, enrich.system(), new PromptTemplate("Topic: {{topic}}"),
                enrich.answerSchema()), "openai", "gpt-4o-mini")).isNotEqualTo(version);
        ObjectNode schema = enrich.answerSchema().schema().deepCopy();
        ((ObjectNode) schema.get("properties").get("challenge")).putArray("enum").add("practice").add("expert").add("x");
        assertThat(RowCache.version(with(enrich, enrich.system(), enrich.user(), new JsonSchemaSpec(schema)),
                "openai", "gpt-4o-mini")).isNotEqualTo(version);
        assertThat(RowCache.version(enrich, "openai", "gpt-4o")).isNotEqualTo(version);
        assertThat(RowCache.version(enrich, "azure", "gpt-4o-mini")).isNotEqualTo(version);
        // items asked for in groups of another size are asked another way
        TaskDefinition.RequestTemplate e = enrich;
        assertThat(RowCache.version(new TaskDefinition.RequestTemplate(e.name(), e.provider(), e.model(), e.endpoint(),
                e.maxOutputTokens(), e.temperature(), e.system(), e.user(), e.answerSchema(), e.outputs(),
                e.rowsPerRequest() + 1, e.dimensions()), "openai", "gpt-4o-mini")).isNotEqualTo(version);
    }

    @Test
    void theOrderOfSchemaKeysDoesNotMatter() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode reordered = (ObjectNode) json.readTree("""
                {"required": ["tldr", "challenge"], "additionalProperties": false, "type": "object",
                 "properties": {"challenge": {"enum": ["practice", "expert"], "type": "string"},
                                "tldr": {"pattern": "^\\\\S+(\\\\s+\\\\S+){0,11}$", "maxLength": 100, "minLength": 1,
                                         "type": "string"}}}""");
        assertThat(reordered).isEqualTo(enrich.answerSchema().schema());
        assertThat(RowCache.version(with(enrich, enrich.system(), enrich.user(), new JsonSchemaSpec(reordered)),
                "openai", "gpt-4o-mini")).isEqualTo(RowCache.version(enrich, "openai", "gpt-4o-mini"));
    }

    private static TaskDefinition.RequestTemplate with(TaskDefinition.RequestTemplate t, PromptTemplate system,
                                                       PromptTemplate user, JsonSchemaSpec schema) {
        return new TaskDefinition.RequestTemplate(t.name(), t.provider(), t.model(), t.endpoint(), t.maxOutputTokens(),
                t.temperature(), system, user, schema, t.outputs(), t.rowsPerRequest(), t.dimensions());
    }
}
