package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.support.DatabaseTest;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Answers written together (writeAll) give the rows that writing them one by one (write) gives, and only once. */
class OutputWriterTest extends DatabaseTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final TaskRegistry tasks = TaskRegistry.load(Path.of("no-such-folder"));
    private final OutputWriter writer = new OutputWriter(new EntityResolver(0.6));
    private final TaskDefinition.RequestTemplate classify = tasks.get("news-classification").requests().get(0);

    @BeforeEach
    void clean() {
        db.useHandle(h -> h.execute("TRUNCATE news_classifications, story_topics, requests, items, jobs CASCADE"));
    }

    @Test
    void answersWrittenTogetherGiveTheRowsOfAnswersWrittenOneByOne() throws Exception {
        List<OutputWriter.Answer> answers = answers("together", 3);
        OutputWriter.Answer single = answers("single", 1).get(0);
        db.useTransaction(h -> writer.writeAll(h, answers));
        db.useTransaction(h -> writer.write(h, classify, single.item(), single.answer(), single.requestId()));

        assertThat(count("SELECT count(*) FROM news_classifications")).isEqualTo(4);
        String columns = "is_financial, sectors, companies, sentiment, confidence_score, summary_en, summary_tr";
        assertThat(text("SELECT string_agg(DISTINCT row(" + columns + ")::text, ';') FROM news_classifications"))
                .as("the same answer gives the same row, either way").doesNotContain(";");
        assertThat(count("SELECT count(*) FROM news_classifications n JOIN items i ON i.source_key = n.article_id "
                + "JOIN requests r ON r.item_id = i.id AND r.id = n.request_id")).as("each row names its request").isEqualTo(4);
    }

    @Test
    void answersWrittenAgainReplaceTheirRowsAndAddNone() throws Exception {
        List<OutputWriter.Answer> answers = answers("again", 3);
        db.useTransaction(h -> writer.writeAll(h, answers));
        db.useTransaction(h -> writer.writeAll(h, answers));
        assertThat(count("SELECT count(*) FROM news_classifications")).isEqualTo(3);
    }

    @Test
    void twoAnswersReplacingOneRowAreRefusedTogether() throws Exception {
        OutputWriter.Answer first = answers("twice", 1).get(0);
        long another = request("twice-other");
        OutputWriter.Answer second = new OutputWriter.Answer(classify, first.item(), first.answer(), another);
        assertThatThrownBy(() -> db.useTransaction(h -> writer.writeAll(h, List.of(first, second))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("replace the same row");
    }

    private List<OutputWriter.Answer> answers(String prefix, int n) throws Exception {
        JsonNode answer = JSON.readTree("{\"is_financial\":true,\"sectors\":[\"banking\"],\"companies\":[\"Akbank\"],"
                + "\"sentiment\":\"neutral\",\"confidence_score\":7,\"summary_en\":\"Rates.\",\"summary_tr\":\"Faiz.\"}");
        List<OutputWriter.Answer> answers = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            String key = prefix + "-" + i;
            answers.add(new OutputWriter.Answer(classify, JSON.createObjectNode().put("id", key), answer, request(key)));
        }
        return answers;
    }

    /** A request for a new item with source key {@code key}. */
    private static long request(String key) {
        return db.withHandle(h -> {
            long job = h.createQuery("INSERT INTO jobs (task, source_kind, source, status, schedule, priority, provider, "
                    + "model) VALUES ('news-classification', 'file', 'test', 'active', 'asap', 5, '', '') RETURNING id")
                    .mapTo(Long.class).one();
            long item = h.createQuery("INSERT INTO items (task, source_key, content_hash, job_id, line, payload) VALUES "
                            + "('news-classification', :key, md5(:key), :job, 1, jsonb_build_object('id', :key)) RETURNING id")
                    .bind("key", key).bind("job", job).mapTo(Long.class).one();
            return h.createQuery("INSERT INTO requests (item_id, job_id, task, template, provider, model, endpoint, "
                            + "estimated_tokens) VALUES (:item, :job, 'news-classification', 'classify', 'openai', "
                            + "'gpt-4o-mini', '/v1/chat/completions', 10) RETURNING id")
                    .bind("item", item).bind("job", job).mapTo(Long.class).one();
        });
    }
}
