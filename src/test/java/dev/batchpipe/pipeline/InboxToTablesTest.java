package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.pipeline.EntityResolver;
import dev.batchpipe.support.PipelineTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Files dropped in the inbox become rows in the task tables, through OpenAI batches (the sandbox) over HTTP. */
class InboxToTablesTest extends PipelineTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void newsArticlesBecomeOneClassificationRowEach() throws Exception {
        Path file = drop("news-classification", "morning news.jsonl", articles("am", 25));

        long job = awaitJobFor(file.resolveSibling("morning news.jsonl"));
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'am-%'")).isEqualTo(25);
        assertThat(count("SELECT count(*) FROM news_classifications n JOIN results r ON r.request_id = n.request_id "
                + "JOIN requests q ON q.id = r.request_id WHERE q.job_id = ? AND q.state = 'succeeded'", job)).isEqualTo(25);
        assertThat(count("SELECT count(*) FROM news_classifications WHERE confidence_score BETWEEN 0 AND 10 "
                + "AND sentiment IN ('positive', 'negative', 'neutral') AND article_id LIKE 'am-%'")).isEqualTo(25);
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND cost_usd > 0 AND input_tokens > 0", job))
                .isEqualTo(25);
        assertThat(inbox("news-classification").resolve("done/" + job + "-morning news.jsonl")).exists();
        assertThat(file).doesNotExist();
        var stats = sandbox.stats().openai();
        assertThat(stats.duplicateCustomIds()).isZero();
    }

    /** The end of a file's intake asks for packing: the pack tick is an hour away in these tests, and nobody packs. */
    @Test
    void aDroppedFileIsPackedWhenItsIntakeEndsNotAtTheNextTick() throws Exception {
        Path file = drop("news-classification", "unpacked.jsonl", articles("up", 5));

        long job = awaitJobFor(file);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'up-%'")).isEqualTo(5);
    }

    @Test
    void storyGroupsBecomeTopicsAndResolvedEntities() throws Exception {
        Path file = drop("knowledge-extraction", "groups.csv", """
                id,title,text
                g-1,Energy in Europe,"European gas prices climbed after Norway announced maintenance at the Troll field. Shell and Equinor said supply to Germany would be reduced."
                g-2,Airline orders,"Turkish Airlines ordered 225 Airbus aircraft. Chairman Ahmet Bolat said the fleet would double. Airbus welcomed the order in Toulouse."
                g-3,Energy again,"Shell said the Troll field maintenance in Norway would end soon; Equinor confirmed supply to Germany."
                """);

        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'succeeded'", job)).isEqualTo(6);

        // exactly the distinct topics of each group's answer
        int expectedTopics = 0;
        for (JsonNode answer : answers(job, "topics")) {
            Set<String> topics = new HashSet<>();
            answer.get("topics").forEach(t -> topics.add(t.get("topic").asText()));
            expectedTopics += topics.size();
        }
        assertThat(count("SELECT count(*) FROM story_topics WHERE group_id LIKE 'g-%'")).isEqualTo(expectedTopics);

        // every extracted mention is stored against an entity whose name matches it exactly or closely
        int mentions = 0;
        for (JsonNode answer : answers(job, "entities")) {
            mentions += answer.get("entities").size();
        }
        long rows = count("SELECT count(*) FROM story_entities WHERE group_id LIKE 'g-%'");
        assertThat(rows).isPositive().isLessThanOrEqualTo(mentions);
        List<String[]> pairs = db.withHandle(h -> h.createQuery("SELECT se.mention, e.normalized_name FROM story_entities se "
                + "JOIN entities e ON e.id = se.entity_id WHERE se.group_id LIKE 'g-%'")
                .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)}).list());
        for (String[] p : pairs) {
            String mention = EntityResolver.normalise(p[0]);
            double similarity = db.withHandle(h -> h.createQuery("SELECT similarity(:a, :b)").bind("a", mention)
                    .bind("b", p[1]).mapTo(Double.class).one());
            assertThat(mention.equals(p[1]) || similarity >= 0.6).as(p[0] + " -> " + p[1]).isTrue();
        }
        assertThat(count("SELECT count(DISTINCT normalized_name) FROM entities")).isEqualTo(count("SELECT count(*) FROM entities"));
    }

    @Test
    void badLinesAreReportedBesideTheMovedFileAndTheGoodOnesGoThrough() throws Exception {
        String content = articles("mixed", 2)
                + "{\"id\":\"mixed-3\",\"title\":\"no contents\"}\n"
                + "this is not json\n"
                + "{\"id\":\"mixed-1\",\"title\":\"again\",\"contents\":\"duplicate id in the same file\"}\n"
                + "{\"id\":42,\"title\":\"t\",\"contents\":\"c\"}\n";
        Path file = drop("news-classification", "mixed.jsonl", content);

        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id IN ('mixed-1', 'mixed-2')")).isEqualTo(2);
        Path errors = inbox("news-classification").resolve("done/" + job + "-mixed.jsonl.errors.jsonl");
        List<JsonNode> lines = Files.readAllLines(errors).stream().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        assertThat(lines).extracting(l -> l.get("line").asInt()).containsExactly(3, 4, 5, 6);
        assertThat(lines).allSatisfy(l -> assertThat(l.get("file").asText()).isEqualTo("mixed.jsonl"));
        assertThat(lines.get(0).get("reason").asText()).contains("contents");
        assertThat(lines.get(1).get("reason").asText()).startsWith("malformed JSON");
        assertThat(lines.get(2).get("reason").asText()).isEqualTo("duplicate id 'mixed-1' (first on line 1)");
        assertThat(lines.get(3).get("reason").asText()).contains("$.id").contains("string");
        assertThat(count("SELECT lines_rejected FROM jobs WHERE id = ?", job)).isEqualTo(4);
        assertThat(count("SELECT count(*) FROM input_errors WHERE job_id = ?", job)).isEqualTo(4);
    }

    @Test
    void theSameItemsSubmittedAgainAreNotProcessedTwice() throws Exception {
        Path first = drop("news-classification", "repeat-1.jsonl", articles("rep", 5));
        long job1 = awaitJobFor(first);
        template.sendBody("direct:pack", null);
        awaitFinished(job1);
        long received = sandbox.stats().openai().requestsReceived();

        // the same records in another file, one of them changed: only the changed one is new work
        String again = articles("rep", 5).replace("Bank 3 raises rates", "Bank 3 cuts rates");
        Path second = drop("news-classification", "repeat-2.jsonl", again);
        long job2 = awaitJobFor(second);
        template.sendBody("direct:pack", null);
        awaitFinished(job2);

        assertThat(count("SELECT items_accepted FROM jobs WHERE id = ?", job2)).isEqualTo(1);
        assertThat(count("SELECT items_duplicate FROM jobs WHERE id = ?", job2)).isEqualTo(4);
        assertThat(sandbox.stats().openai().requestsReceived() - received).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE 'rep-%'")).isEqualTo(5);
        long reqOfRep3 = count("SELECT r.id FROM requests r JOIN items i ON i.id = r.item_id WHERE i.job_id = ?", job2);
        assertThat(count("SELECT request_id FROM news_classifications WHERE article_id = 'rep-3'")).isEqualTo(reqOfRep3);
    }

    @Test
    void aFileForAnUnknownTaskIsRejectedAndKept() throws Exception {
        Path file = drop("no-such-task", "x.jsonl", articles("nst", 1));
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(inbox("no-such-task").resolve("rejected")));
        long job = awaitJobFor(file);
        assertThat(status(job)).isEqualTo("rejected");
        assertThat(inbox("no-such-task").resolve("rejected/" + job + "-x.jsonl")).exists();
        assertThat(text("SELECT error FROM jobs WHERE id = ?", job)).contains("no task named 'no-such-task'");
    }

    private List<JsonNode> answers(long job, String template) {
        return db.withHandle(h -> h.createQuery("SELECT s.answer::text FROM results s JOIN requests r ON r.id = s.request_id "
                        + "WHERE r.job_id = :job AND r.template = :t")
                .bind("job", job).bind("t", template).mapTo(String.class).list()).stream().map(a -> {
                    try {
                        return JSON.readTree(a);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }).toList();
    }
}
