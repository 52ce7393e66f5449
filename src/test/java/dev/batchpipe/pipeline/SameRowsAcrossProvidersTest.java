package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.PipelineTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The provider is chosen per run (and per task), and the rows do not depend on it: the same articles, run through
 * every provider with one model name, become the same news_classifications rows (the sandbox answers the same model
 * and prompt alike whatever the wire format, so any difference would be the adapters').
 */
class SameRowsAcrossProvidersTest extends PipelineTest {

    /** Item id prefixes per provider: the ids differ (an item is taken in once), the prompts do not. */
    private static final Map<String, String> PROVIDERS = new LinkedHashMap<>(Map.of(
            "openai", "oa", "anthropic", "an", "gemini", "ge", "azure", "az", "openai-compatible", "oc"));

    @Test
    void theSameArticlesBecomeTheSameRowsWhicheverProviderAnswers() throws Exception {
        Map<String, Long> jobs = new LinkedHashMap<>();
        for (Map.Entry<String, String> p : PROVIDERS.entrySet()) {
            jobs.put(p.getKey(), process("news-classification", p.getValue() + ".jsonl", articles(p.getValue(), 12),
                    p.getKey(), COMPATIBLE_MODEL));
        }
        jobs.values().forEach(this::awaitFinished);

        jobs.values().forEach(job -> assertThat(status(job)).isEqualTo("succeeded"));
        List<Map<String, Object>> reference = rows("oa");
        assertThat(reference).hasSize(12);
        for (String prefix : PROVIDERS.values()) {
            assertThat(rows(prefix)).as("rows through %s", prefix).isEqualTo(reference);
        }
        // each provider really answered its own requests, through its own protocol
        List<String> batchGroups = db.withHandle(h -> h.createQuery(
                "SELECT DISTINCT provider || ' ' || model FROM batches ORDER BY 1").mapTo(String.class).list());
        assertThat(batchGroups).containsExactly("anthropic vendor-model", "azure vendor-model",
                "gemini vendor-model", "openai vendor-model", "openai-compatible vendor-model");
        assertThat(sandbox.stats().anthropic().linesSucceeded()).isEqualTo(12);
        assertThat(sandbox.stats().gemini().linesSucceeded()).isEqualTo(12);
        assertThat(sandbox.stats().openai().linesSucceeded()).isEqualTo(36);
    }

    /** The rows of one provider's articles, by article number, without request_id and created_at. */
    private static List<Map<String, Object>> rows(String prefix) {
        return db.withHandle(h -> h.createQuery("""
                        SELECT substr(article_id, length(:prefix) + 2) AS article, is_financial,
                               array_to_string(sectors, '|') AS sectors, array_to_string(companies, '|') AS companies,
                               sentiment, confidence_score, summary_en, summary_tr
                        FROM news_classifications WHERE article_id LIKE :prefix || '-%'
                        ORDER BY length(article_id), article_id""")
                .bind("prefix", prefix).mapToMap().list());
    }
}
