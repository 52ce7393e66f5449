package dev.batchpipe.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.batchpipe.pipeline.RequestRenderer;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.support.PipelineTest;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import dev.batchpipe.task.TokenEstimator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The estimate packing and the quota count is of the whole request as each provider's adapter sends it (issue #17):
 * the system prompt, the user prompt, the answer's JSON schema and the wire framing, with OpenAI's own tokenizer
 * (jtokkit), not a count of the prompt text. Checked on a shipped task, through the service's own beans.
 */
class RequestEstimateTest extends PipelineTest {

    private static final Encoding O200K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    @Test
    void everyProviderCountsTheSystemPromptTheSchemaAndTheFramingOfItsOwnRequest() throws Exception {
        var registry = template.getCamelContext().getRegistry();
        RequestFactory factory = registry.lookupByNameAndType("requestFactory", RequestFactory.class);
        Providers providers = registry.lookupByNameAndType("providers", Providers.class);
        RequestRenderer renderer = registry.lookupByNameAndType("requestRenderer", RequestRenderer.class);
        TaskDefinition.RequestTemplate t = registry.lookupByNameAndType("tasks", TaskRegistry.class)
                .get("news-classification").requests().get(0);
        JsonNode item = new ObjectMapper().readTree("{\"id\":\"e1\",\"title\":\"Bank raises rates\",\"contents\":"
                + "\"Istanbul Bank raised its lending rates on Monday as inflation stayed high. Shares fell.\"}");
        int prompts = O200K.countTokensOrdinary(t.system().render(item) + "\n" + t.user().render(item));
        int schema = O200K.countTokensOrdinary(t.answerSchema().schema().toString());

        for (String provider : new String[] {"openai", "anthropic", "gemini"}) {
            String model = factory.model(t, provider, null);
            int estimate = factory.estimate("news-classification", t, provider, model, item);
            String sent = new String(providers.get(provider).encode(renderer.render(0, 1, "news-classification",
                    t.name(), model, t.endpoint(), item)), StandardCharsets.UTF_8);
            assertThat(estimate).as("%s: the prompts and the schema count", provider)
                    .isGreaterThan(prompts + schema);
            if (provider.equals("openai")) {
                // the batch line as sent, counted with the model's tokenizer (a few tokens of chat framing on top)
                assertThat(estimate).isBetween(O200K.countTokensOrdinary(sent) - 3, O200K.countTokensOrdinary(sent) + 6);
            } else {
                // no public tokenizer: o200k on the request as sent, with a margin
                assertThat(estimate).as(provider).isGreaterThan(O200K.countTokensOrdinary(sent));
            }
        }
    }

    /**
     * An item's request is rendered and encoded once per template, provider, model and system prompt; later items are
     * counted for their user prompt only. Their estimates must be what their own request gives: the same number as a
     * factory that has seen no other item, whatever the text (escapes, other scripts, too short to split for).
     */
    @Test
    void anEstimateIsTheSameWhetherTheFrameWasCountedFromItsOwnRequestOrAnothers() throws Exception {
        var registry = template.getCamelContext().getRegistry();
        Providers providers = registry.lookupByNameAndType("providers", Providers.class);
        RequestRenderer renderer = registry.lookupByNameAndType("requestRenderer", RequestRenderer.class);
        TaskDefinition.RequestTemplate t = registry.lookupByNameAndType("tasks", TaskRegistry.class)
                .get("news-classification").requests().get(0);
        ObjectMapper json = new ObjectMapper();
        String[] contents = {
            "Istanbul Bank raised its lending rates on Monday as inflation stayed high. Shares fell. ".repeat(12),
            "Short.",
            "Garanti BBVA'nın hisseleri düştü; \"faiz\" kararı sonrası piyasa çalkalandı.\n\nİkinci paragraf: "
                    + "ÇĞİÖŞÜ çğıöşü, € and ¥, 東京 の 銀行, emoji 📉📈, tabs\tand backslashes \\ here.",
            "Line one\r\nLine two with \u0001 a control character and \u2028 a line separator, then a number 1234567.",
        };
        // one factory for all three: each provider's frame is its own
        RequestFactory warm = new RequestFactory(new TokenEstimator(), providers, renderer);
        for (String provider : new String[] {"openai", "anthropic", "gemini"}) {
            String model = warm.model(t, provider, null);
            warm.estimate("news-classification", t, provider, model, json.createObjectNode().put("id", "w")
                    .put("title", "Warm-up").put("contents", "The first article. ".repeat(10)));
            for (int i = 0; i < contents.length; i++) {
                JsonNode item = json.createObjectNode().put("id", "e" + i).put("title", "Title " + i)
                        .put("contents", contents[i]);
                int own = new RequestFactory(new TokenEstimator(), providers, renderer)
                        .estimate("news-classification", t, provider, model, item);
                assertThat(warm.estimate("news-classification", t, provider, model, item))
                        .as("%s, item %d", provider, i).isEqualTo(own);
            }
        }
    }
}
