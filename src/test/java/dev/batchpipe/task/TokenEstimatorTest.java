package dev.batchpipe.task;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The estimate counts the request as sent, so its schema and framing count, and other providers carry a margin. */
class TokenEstimatorTest {

    private final TokenEstimator tokens = new TokenEstimator();

    @Test
    void theSchemaAndFramingOfTheRequestAsSentCount() {
        String prompts = "Classify the article.\nTitle: Bank raises rates";
        String sent = "{\"custom_id\":\"r0s1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":"
                + "\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"Classify the article.\"},{\"role\":"
                + "\"user\",\"content\":\"Title: Bank raises rates\"}],\"response_format\":{\"type\":\"json_schema\","
                + "\"json_schema\":{\"name\":\"t\",\"strict\":true,\"schema\":{\"type\":\"object\",\"properties\":"
                + "{\"sentiment\":{\"type\":\"string\",\"enum\":[\"positive\",\"negative\",\"neutral\"]}}}}}}}";
        assertThat(tokens.estimate("openai", "gpt-4o-mini", sent))
                .isGreaterThan(2 * tokens.estimate("openai", "gpt-4o-mini", prompts));
    }

    @Test
    void providersWithoutAPublicTokenizerCarryAMargin() {
        String text = "Istanbul Bank raised its lending rates on Monday as inflation stayed high. ".repeat(20);
        assertThat(tokens.estimate("anthropic", "claude-haiku-4-5", text))
                .isGreaterThan(tokens.estimate("openai", "gpt-4o-mini", text));
    }
}
