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

    @Test
    void countingTheSharedPartOnceGivesAboutTheWholeCount() {
        String shared = "{\"body\":{\"messages\":[{\"role\":\"system\",\"content\":\""
                + "You classify news articles for a financial desk. ".repeat(30) + "\"},{\"role\":\"user\",\"content\":\"";
        int last = 0;
        for (int i = 1; i <= 3; i++) {
            String article = ("Title: Bank " + i + " raises rates\\n\\nThe central bank of country " + i
                    + " kept its policy rate unchanged, citing sticky services inflation. ").repeat(i);
            String sent = shared + article + "\"}],\"response_format\":{\"type\":\"json_schema\"}}}";
            int whole = tokens.estimate("openai", "gpt-4o-mini", sent);
            int split = tokens.estimate("openai", "gpt-4o-mini", tokens.frameTokens("gpt-4o-mini", sent, article),
                    article);
            assertThat(split).as("item %d", i).isBetween(whole - 3, whole + 3);
            assertThat(split).isGreaterThan(last);
            last = split;
        }
        // an item text not found in the request, or too short to split for: no frame, the whole request is counted
        assertThat(tokens.frameTokens("gpt-4o-mini", shared, "elsewhere ".repeat(10))).isEqualTo(-1);
        assertThat(tokens.frameTokens("gpt-4o-mini", shared, "You classify")).isEqualTo(-1);
    }

    @Test
    void imagesCountByEachProvidersPublishedRule() {
        // OpenAI, high detail: 1024×1024 → 768×768 → 4 tiles; 2048×4096 → 1024×2048 → 768×1536 → 6 tiles
        assertThat(TokenEstimator.imageTokens("openai", 1024, 1024)).isEqualTo(85 + 170 * 4);
        assertThat(TokenEstimator.imageTokens("openai", 2048, 4096)).isEqualTo(85 + 170 * 6);
        assertThat(TokenEstimator.imageTokens("openai", 100, 100)).isEqualTo(85 + 170);
        assertThat(TokenEstimator.imageTokens("azure", 100, 100)).isEqualTo(85 + 170);
        // Anthropic: width × height / 750, the long side fitted into 1568 first
        assertThat(TokenEstimator.imageTokens("anthropic", 1000, 1000)).isEqualTo(1334);
        assertThat(TokenEstimator.imageTokens("anthropic", 3136, 3136)).isEqualTo(3279);
        // Gemini: 258 up to 384 px, else 258 per 768-pixel tile
        assertThat(TokenEstimator.imageTokens("gemini", 384, 200)).isEqualTo(258);
        assertThat(TokenEstimator.imageTokens("gemini", 1000, 700)).isEqualTo(258 * 2);
    }

    /**
     * Counted a word at a time (the words' counts remembered), a text has exactly jtokkit's count of the whole text:
     * checked on random texts made of what pre-tokenizing treats differently (letters of both cases and other
     * scripts, combining marks, digits, apostrophes and contractions, punctuation, spaces, tabs and line breaks,
     * characters outside the BMP), with both encodings, each text counted twice (the second time from memory).
     */
    @Test
    void countingWordByWordGivesExactlyTheWholeTextsCount() {
        String[] parts = {"a", "B", "z", "Q", "é", "ß", "İ", "ı", "ğ", "Ş", "\u0301", "\u0308", "ǅ", "ʰ", "中", "東京",
            "ж", "Щ", "ا", "ש", "क", "\u093f", "0", "7", "42", "1234", "٣", "'", "'s", "'S", "'ll", "'re", "’", ",", ".",
            "!", "?", "-", "/", "\\", "\"", "(", ")", "{", "}", "$", "€", "%", "&", "_", " ", " ", " ", "  ", "\t",
            "\n", "\r\n", "\n\n", "\u00a0", "\u2028", "📈", "👍🏽", "\u0000", "\u0001"};
        java.util.Random random = new java.util.Random(15);
        for (com.knuddels.jtokkit.api.EncodingType type : new com.knuddels.jtokkit.api.EncodingType[] {
                com.knuddels.jtokkit.api.EncodingType.O200K_BASE, com.knuddels.jtokkit.api.EncodingType.CL100K_BASE}) {
            com.knuddels.jtokkit.api.Encoding encoding = com.knuddels.jtokkit.Encodings.newDefaultEncodingRegistry()
                    .getEncoding(type);
            TokenEstimator.Words words = new TokenEstimator.Words(encoding);
            for (int n = 0; n < 3000; n++) {
                StringBuilder text = new StringBuilder();
                for (int i = random.nextInt(60); i >= 0; i--) {
                    text.append(parts[random.nextInt(parts.length)]);
                    if (random.nextInt(3) == 0) {
                        text.append(' ');
                    }
                }
                String t = text.toString();
                int whole = encoding.countTokensOrdinary(t);
                assertThat(words.count(t)).as("%s: [%s]", type, t).isEqualTo(whole);
                assertThat(words.count(t)).as("%s again: [%s]", type, t).isEqualTo(whole);
            }
        }
    }
}
