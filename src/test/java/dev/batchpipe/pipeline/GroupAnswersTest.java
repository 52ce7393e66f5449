package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.provider.ResultLine;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskLoader;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A micro-batch answer becomes one line per item, validated by id; what it missed or broke goes alone. */
class GroupAnswersTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOD = "{\"tldr\":\"Loops in Python\",\"challenge\":\"practice\"}";
    private static final List<GroupAnswers.Member> MEMBERS = List.of(new GroupAnswers.Member(11, 1),
            new GroupAnswers.Member(12, 2), new GroupAnswers.Member(13, 1), new GroupAnswers.Member(14, 1));

    private static TaskDefinition.RequestTemplate template;

    @BeforeAll
    static void loadTask() throws Exception {
        try (InputStream in = Files.newInputStream(Path.of("tasks/topic-enrichment.yaml"))) {
            template = TaskLoader.load(in, "topic-enrichment.yaml").request("enrich");
        }
    }

    private static ResultLine answered(String answer, int in, int out) {
        return ResultLine.succeeded("g11s1", answer, new ResultLine.Usage(in, out, 0), JSON.createObjectNode());
    }

    @Test
    void everyItemAnsweredValidlyBecomesASucceededLineOfItsOwnRequestAndSubmission() {
        GroupAnswers.Split split = GroupAnswers.split(answered("{\"11\":" + GOOD + ",\"12\":" + GOOD + ",\"13\":" + GOOD
                + ",\"14\":" + GOOD + "}", 402, 81), MEMBERS, template);

        assertThat(split.alone()).isEmpty();
        assertThat(split.lines()).extracting(ResultLine::customId).containsExactly("r11s1", "r12s2", "r13s1", "r14s1");
        assertThat(split.lines()).allSatisfy(l -> {
            assertThat(l.outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
            assertThat(l.answer()).isEqualTo(GOOD);
        });
        // the call's usage is shared out and adds up
        assertThat(split.lines()).extracting(l -> l.usage().inputTokens()).containsExactly(101, 101, 100, 100);
        assertThat(split.lines().stream().mapToInt(l -> l.usage().outputTokens()).sum()).isEqualTo(81);
    }

    @Test
    void missingAndInvalidItemsFailAloneTheOthersSucceed() {
        GroupAnswers.Split split = GroupAnswers.split(answered("{\"12\":" + GOOD + ",\"13\":{\"tldr\":\"x\"}}", 40, 8),
                MEMBERS, template);

        assertThat(split.alone()).containsExactly(11L, 13L, 14L);
        assertThat(split.lines()).extracting(ResultLine::outcome).containsExactly(ResultLine.Outcome.ERRORED,
                ResultLine.Outcome.SUCCEEDED, ResultLine.Outcome.ERRORED, ResultLine.Outcome.ERRORED);
        assertThat(split.lines().get(0).failure()).isEqualTo(ResultLine.Failure.REQUEST);
        assertThat(split.lines().get(0).error()).isEqualTo("micro-batch g11s1 answered no item 11");
        assertThat(split.lines().get(2).error()).startsWith("its answer in micro-batch g11s1 does not match the schema: ")
                .contains("challenge");
    }

    @Test
    void unknownAndDuplicateIdsAreIgnoredTheFirstAnswerOfAnIdCounts() {
        String bad = "{\"tldr\":\"x\"}";
        GroupAnswers.Split split = GroupAnswers.split(answered("{\"11\":" + GOOD + ",\"11\":" + bad + ",\"99\":" + GOOD
                + ",\"12\":" + GOOD + ",\"13\":" + GOOD + ",\"14\":" + GOOD + "}", 4, 4), MEMBERS, template);

        assertThat(split.alone()).isEmpty();
        assertThat(split.lines()).extracting(ResultLine::answer).containsOnly(GOOD);
    }

    @Test
    void anAnswerThatIsNoObjectOfAnswersSendsEveryItemAlone() {
        for (String answer : new String[] {"[" + GOOD + "]", "not json", "", null}) {
            GroupAnswers.Split split = GroupAnswers.split(answered(answer, 4, 4), MEMBERS, template);
            assertThat(split.alone()).containsExactly(11L, 12L, 13L, 14L);
            assertThat(split.lines()).allSatisfy(l -> assertThat(l.error()).contains("is not a JSON object of answers"));
        }
    }

    @Test
    void aTransientFailureKeepsTheGroupTogetherAnyOtherSendsEachItemAlone() {
        ResultLine expired = ResultLine.failed("g11s1", ResultLine.Outcome.EXPIRED, ResultLine.Failure.TRANSIENT,
                "batch_expired", ResultLine.Usage.NONE, JSON.createObjectNode());
        GroupAnswers.Split together = GroupAnswers.split(expired, MEMBERS, template);
        assertThat(together.alone()).isEmpty();
        assertThat(together.lines()).allSatisfy(l -> {
            assertThat(l.outcome()).isEqualTo(ResultLine.Outcome.EXPIRED);
            assertThat(l.failure()).isEqualTo(ResultLine.Failure.TRANSIENT);
        });
        assertThat(together.lines()).extracting(ResultLine::customId).containsExactly("r11s1", "r12s2", "r13s1", "r14s1");

        ResultLine rejected = ResultLine.failed("g11s1", ResultLine.Outcome.ERRORED, ResultLine.Failure.INVALID_REQUEST,
                "schema too large", ResultLine.Usage.NONE, JSON.createObjectNode());
        GroupAnswers.Split alone = GroupAnswers.split(rejected, MEMBERS, template);
        assertThat(alone.alone()).containsExactly(11L, 12L, 13L, 14L);
        assertThat(alone.lines()).allSatisfy(l -> {
            assertThat(l.failure()).isEqualTo(ResultLine.Failure.REQUEST);
            assertThat(l.error()).isEqualTo("micro-batch g11s1: schema too large");
        });
    }
}
