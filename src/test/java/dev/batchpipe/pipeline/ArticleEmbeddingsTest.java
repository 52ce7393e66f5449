package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.sandbox.Sandbox;
import dev.batchpipe.support.PipelineTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shipped article-embeddings task end to end: samples/news.jsonl becomes one vector per article in
 * article_embeddings (real[] on the embedded PostgreSQL, which has no pgvector), through OpenAI's and Gemini's batch
 * embeddings and their realtime calls, and each stored vector is exactly the one the sandbox answered for the
 * article's text, priced at the embedding model's price for its input tokens alone.
 */
class ArticleEmbeddingsTest extends PipelineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DIMENSIONS = 256;

    /** What the task sends for an article: its title, a blank line and its text (a YAML block, so a final newline). */
    private static String text(JsonNode article) {
        return article.path("title").asText() + "\n\n" + article.path("contents").asText() + "\n";
    }

    /** The sample articles, with ids {@code prefix-<id>} (so each run's items are new) unless the prefix is empty. */
    private static List<JsonNode> articles(String prefix) throws Exception {
        return Files.readAllLines(Path.of("samples/news.jsonl")).stream().filter(l -> !l.isBlank()).map(l -> {
            try {
                var a = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(l);
                return (JsonNode) (prefix.isEmpty() ? a : a.put("id", prefix + "-" + a.path("id").asText()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    private long take(String prefix, List<JsonNode> articles, String provider, String model, String mode)
            throws Exception {
        Path file = Files.createDirectories(work.resolve("files")).resolve(prefix + ".jsonl");
        StringBuilder lines = new StringBuilder();
        articles.forEach(a -> lines.append(a).append('\n'));
        Files.writeString(file, lines);
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        long job = intake.accept(file, JobOptions.file("article-embeddings").withOverrides(provider, model)
                .withMode(mode)).jobId();
        template.asyncSendBody("direct:pack", null);
        return job;
    }

    /** Every article has one row, whose vector equals the sandbox's for its text and model. */
    private void assertStoredVectors(List<JsonNode> articles, String model) {
        Map<String, Float[]> stored = db.withHandle(h -> h.createQuery("SELECT article_id, embedding FROM "
                        + "article_embeddings WHERE article_id LIKE :p")
                .bind("p", articles.get(0).path("id").asText().replaceFirst("-.*", "") + "-%")
                .reduceRows(new java.util.HashMap<>(), (m, row) -> {
                    m.put(row.getColumn("article_id", String.class), row.getColumn("embedding", Float[].class));
                    return m;
                }));
        assertThat(stored).hasSize(articles.size());
        for (JsonNode a : articles) {
            float[] expected = Sandbox.embedding(model, text(a), DIMENSIONS);
            Float[] actual = stored.get(a.path("id").asText());
            assertThat(actual).as(a.path("id").asText()).hasSize(DIMENSIONS);
            for (int i = 0; i < DIMENSIONS; i++) {
                assertThat(actual[i]).as("%s[%d]", a.path("id").asText(), i).isEqualTo(expected[i]);
            }
        }
    }

    @Test
    void theSampleFileDroppedInItsInboxBecomesOneOpenAiVectorPerArticleAtTheBatchPrice() throws Exception {
        Path file = drop("article-embeddings", "news.jsonl", Files.readString(Path.of("samples/news.jsonl")));
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertStoredVectors(articles(""), "text-embedding-3-small");
        // one batch on the embeddings endpoint; input tokens only, at half of $0.02 per million
        assertThat(text("SELECT provider || ' ' || model || ' ' || endpoint FROM batches b "
                + "WHERE EXISTS (SELECT 1 FROM requests r WHERE r.batch_id = b.id AND r.job_id = ?)", job))
                .isEqualTo("openai text-embedding-3-small /v1/embeddings");
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND (output_tokens <> 0 "
                + "OR max_output_tokens <> 0 OR input_tokens <= 0 OR estimated_tokens <= 0)", job)).isZero();
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? "
                + "AND cost_usd = round(input_tokens * 0.02 / 1e6 * 0.5, 8)", job)).isEqualTo(25);
    }

    @Test
    void geminiBatchEmbeddingsStoreTheVectorsTheSandboxAnswered() throws Exception {
        List<JsonNode> articles = articles("ge");
        long job = take("ge", articles, "gemini", "gemini-embedding-001", "batch");
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertStoredVectors(articles, "gemini-embedding-001");
        assertThat(sandbox.stats().gemini().linesSucceeded()).isGreaterThanOrEqualTo(25);
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND input_tokens > 0 "
                + "AND cost_usd = round(input_tokens * 0.15 / 1e6 * 0.5, 8)", job))
                .as("half of $0.15 per million input tokens, each").isEqualTo(25);
    }

    @Test
    void realtimeEmbeddingsOnOpenAiAndGeminiStoreTheSameVectorsWithoutABatch() throws Exception {
        for (String[] p : new String[][] {{"rto", "openai", "text-embedding-3-small"},
                {"rtg", "gemini", "gemini-embedding-001"}}) {
            List<JsonNode> articles = articles(p[0]).subList(0, 5);
            long job = take(p[0], articles, p[1], p[2], "realtime");
            awaitFinished(job);

            assertThat(status(job)).isEqualTo("succeeded");
            assertStoredVectors(articles, p[2]);
            assertThat(count("SELECT count(*) FROM request_submissions s JOIN requests r ON r.id = s.request_id "
                    + "WHERE r.job_id = ? AND s.batch_id IS NOT NULL", job)).isZero();
            assertThat(count("SELECT count(*) FROM realtime_answers a JOIN requests r ON r.id = a.request_id "
                    + "WHERE r.job_id = ?", job)).isEqualTo(5);
        }
    }
}
