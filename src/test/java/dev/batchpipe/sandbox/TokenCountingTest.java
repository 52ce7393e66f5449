package dev.batchpipe.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The sandbox's token-counting knob: its own count by default, or the whole request as sent, times a factor. */
class TokenCountingTest {

    private static final String PROMPT = "Classify this article about the harbour strike.";
    private final ParsedRequest request = ParsedRequest.text("m", PROMPT, PROMPT, 100);
    private final JsonNode body = Json.object().put("model", "m").put("max_tokens", 100)
            .set("messages", Json.MAPPER.createArrayNode().add(Json.object().put("role", "user").put("content", PROMPT)));

    @Test
    void byDefaultThePromptTextAndAgainstTheQuotaTheAnswerBudget() {
        int prompt = (PROMPT.length() + 3) / 4;
        assertThat(TokenCounting.PROMPT_TEXT.promptTokens(request, body)).isEqualTo(prompt);
        assertThat(TokenCounting.PROMPT_TEXT.quotaTokens(request, body)).isEqualTo(prompt + 100);
        assertThat(TokenCounting.PROMPT_TEXT.workTokens(request, body)).isEqualTo(prompt + 100);
    }

    @Test
    void asSentItCountsTheFramingTooTimesTheFactorAndOnlyPromptTokensAgainstTheQuota() {
        TokenCounting real = new TokenCounting(2.0, true);
        int sent = (body.toString().length() + 3) / 4;
        assertThat(sent).isGreaterThan((PROMPT.length() + 3) / 4);
        assertThat(real.promptTokens(request, body)).isEqualTo(2 * sent);
        assertThat(real.quotaTokens(request, body)).isEqualTo(2L * sent);
        assertThat(real.workTokens(request, body)).isEqualTo(2L * sent + 100);
    }

    @Test
    void aFactorBelowATenthIsRefused() {
        assertThatThrownBy(() -> new TokenCounting(0, false)).isInstanceOf(IllegalArgumentException.class);
    }
}
