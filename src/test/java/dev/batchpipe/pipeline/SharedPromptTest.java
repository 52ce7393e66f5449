package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.provider.AnthropicBatchProvider;
import dev.batchpipe.provider.BatchRequest;
import dev.batchpipe.provider.OpenAiBatchProvider;
import dev.batchpipe.provider.ProviderLimits;
import dev.batchpipe.task.TaskLoader;
import dev.batchpipe.task.TaskRegistry;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Only what every request of a template has alike is marked for a provider's prompt cache: a system prompt with
 * placeholders differs per item, so only its part before the first placeholder is.
 */
class SharedPromptTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHARED = "You write course catalogues. For the topic you are given:";
    private static final ProviderLimits LIMITS = new ProviderLimits(1000, 10_000_000, Map.of(), 0, 0);

    private final AnthropicBatchProvider anthropic = new AnthropicBatchProvider(new AnthropicBatchProvider.Settings(
            () -> "http://unused", () -> "k", "", LIMITS), null);
    private final OpenAiBatchProvider openai = new OpenAiBatchProvider(new OpenAiBatchProvider.Settings("openai",
            () -> "http://unused", () -> "k", OpenAiBatchProvider.Auth.BEARER, null, false, null, null, "24h", LIMITS,
            true), null);
    private final OpenAiBatchProvider azure = new OpenAiBatchProvider(new OpenAiBatchProvider.Settings("azure",
            () -> "http://unused", () -> "k", OpenAiBatchProvider.Auth.API_KEY_HEADER, "2024-10-21", true, null, null,
            "24h", LIMITS, true), null);

    @Test
    void aSystemPromptWithoutPlaceholdersIsMarkedWhole() throws Exception {
        RequestRenderer renderer = renderer(null);
        BatchRequest r = renderer.render(1, 1, "topic-enrichment", "enrich", "claude-haiku-4-5",
                "/v1/chat/completions", item("1", "Databases"));
        assertThat(r.systemShared()).isTrue();
        JsonNode system = params(r).path("system");
        assertThat(system).hasSize(1);
        assertThat(system.at("/0/text").asText()).isEqualTo(r.system());
        assertThat(system.at("/0/cache_control")).isEqualTo(JSON.readTree("{\"type\":\"ephemeral\",\"ttl\":\"1h\"}"));
        assertThat(params(r).at("/tools/0").has("cache_control")).as("the marked system block covers the tool").isFalse();
    }

    @Test
    void onlyThePartBeforeTheFirstPlaceholderIsMarkedAndTheRestFollowsUnmarked() throws Exception {
        RequestRenderer renderer = renderer(" Learners of {{category}} read it.");
        BatchRequest databases = renderer.render(1, 1, "topic-enrichment", "enrich", "claude-haiku-4-5",
                "/v1/chat/completions", item("1", "Databases"));
        BatchRequest cooking = renderer.render(2, 1, "topic-enrichment", "enrich", "claude-haiku-4-5",
                "/v1/chat/completions", item("2", "Cooking"));
        assertThat(databases.systemShared()).isFalse();

        JsonNode system = params(databases).path("system");
        assertThat(system).hasSize(2);
        assertThat(system.at("/0/text").asText()).isEqualTo(SHARED + " Learners of ");
        assertThat(system.at("/0/cache_control/type").asText()).isEqualTo("ephemeral");
        assertThat(system.at("/1/text").asText()).startsWith("Databases read it.\n");
        assertThat(system.get(1).has("cache_control")).isFalse();
        assertThat(system.at("/0/text").asText() + system.at("/1/text").asText()).isEqualTo(databases.system());
        // the marked block is the same for another item: that is what the cache can serve
        assertThat(params(cooking).path("system").get(0)).isEqualTo(system.get(0));
        assertThat(params(cooking).path("system").get(1)).isNotEqualTo(system.get(1));
    }

    @Test
    void aSystemPromptThatStartsWithAPlaceholderIsNotMarkedAndTheToolIs() throws Exception {
        RequestRenderer renderer = renderer(null, "{{category}} teachers: ");
        BatchRequest r = renderer.render(1, 1, "topic-enrichment", "enrich", "claude-haiku-4-5",
                "/v1/chat/completions", item("1", "Databases"));
        JsonNode params = params(r);
        assertThat(params.path("system")).hasSize(1);
        assertThat(params.at("/system/0/text").asText()).startsWith("Databases teachers: ");
        assertThat(params.at("/system/0").has("cache_control")).isFalse();
        assertThat(params.at("/tools/0/cache_control/type").asText()).isEqualTo("ephemeral");
    }

    @Test
    void openAiGetsAPromptCacheKeyPerTemplateVersionAndAzureDoesNot() throws Exception {
        BatchRequest r = renderer(null).render(1, 1, "topic-enrichment", "enrich", "gpt-4o-mini",
                "/v1/chat/completions", item("1", "Databases"));
        BatchRequest other = renderer(null).render(2, 1, "topic-enrichment", "enrich", "gpt-4o-mini",
                "/v1/responses", item("2", "Cooking"));
        BatchRequest changed = renderer(" Be brief.").render(1, 1, "topic-enrichment", "enrich", "gpt-4o-mini",
                "/v1/chat/completions", item("1", "Databases"));
        String key = body(openai, r).path("prompt_cache_key").asText();
        assertThat(key).startsWith("topic-enrichment_enrich-").hasSizeLessThanOrEqualTo(64);
        assertThat(body(openai, other).path("prompt_cache_key").asText()).as("another item, the responses API")
                .isEqualTo(key);
        assertThat(body(openai, changed).path("prompt_cache_key").asText()).as("a changed prompt").isNotEqualTo(key);
        assertThat(body(azure, r).has("prompt_cache_key")).isFalse();
    }

    private static JsonNode body(OpenAiBatchProvider provider, BatchRequest r) throws Exception {
        return JSON.readTree(new String(provider.encode(r), StandardCharsets.UTF_8)).path("body");
    }

    private JsonNode params(BatchRequest r) throws Exception {
        return JSON.readTree(new String(anthropic.encode(r), StandardCharsets.UTF_8)).path("params");
    }

    private static JsonNode item(String id, String category) {
        return JSON.createObjectNode().put("id", id).put("category", category).put("topic", "Indexes")
                .put("description", "How B-trees speed up lookups.");
    }

    private static RequestRenderer renderer(String systemTail) throws Exception {
        return renderer(systemTail, "");
    }

    /** topic-enrichment with {@code head} before its system prompt and {@code systemTail} after its first line. */
    private static RequestRenderer renderer(String systemTail, String head) throws Exception {
        String yaml = Files.readString(Path.of("tasks/topic-enrichment.yaml"));
        String first = "      " + SHARED + "\n";
        assertThat(yaml).contains(first);
        // one item per prompt: a micro-batch's system prompt may not use item fields
        yaml = yaml.replace(first, "      " + head + SHARED + (systemTail == null ? "" : systemTail) + "\n")
                .replace("    rows_per_request: 20\n", "");
        TaskRegistry tasks = new TaskRegistry(List.of(TaskLoader.load(
                new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "tasks/topic-enrichment.yaml")));
        return new RequestRenderer(tasks, video -> {
            throw new AssertionError("no videos here");
        });
    }
}
