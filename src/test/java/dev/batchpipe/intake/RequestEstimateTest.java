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
}
