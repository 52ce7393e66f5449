package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskLoader;
import dev.batchpipe.task.TaskRegistry;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Consecutive requests of one micro-batching template become groups within rows_per_request and the token caps. */
class RequestGroupsTest {

    private static TaskDefinition task(String name, int rowsPerRequest, int maxOutput) {
        String yaml = """
                name: %s
                provider: openai
                model: m
                input:
                  key: id
                  schema: {type: object, required: [id], properties: {id: {type: string}}}
                requests:
                  - name: main
                    rows_per_request: %d
                    max_output_tokens: %d
                    user: "About {{id}}"
                    schema: {type: object, required: [x], properties: {x: {type: string}}}
                    output:
                      - table: t
                        replace: [k]
                        columns: {k: $item.id, x: $.x}
                """.formatted(name, rowsPerRequest, maxOutput);
        return TaskLoader.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), name + ".yaml");
    }

    private final TaskRegistry tasks = new TaskRegistry(List.of(task("twenty", 20, 100), task("single", 1, 100),
            task("wordy", 20, 1000)));

    private record R(long id, String task, long tokens, boolean alone, String route) {
        R(long id, String task, long tokens) {
            this(id, task, tokens, false, "openai m /v1/chat/completions");
        }
    }

    private List<List<Long>> groups(RequestGroups groups, List<R> requests) {
        List<List<Long>> out = new ArrayList<>();
        groups.of(requests.iterator(), r -> new RequestGroups.Member(r.task(), "main", r.route(), r.tokens(), r.alone()))
                .forEachRemaining(g -> out.add(g.stream().map(R::id).toList()));
        return out;
    }

    private static List<R> many(String task, int n, long tokens) {
        return IntStream.rangeClosed(1, n).mapToObj(i -> new R(i, task, tokens)).toList();
    }

    @Test
    void aHundredAndFiftyItemsOfTwentyPerRequestMakeEightGroups() {
        List<List<Long>> g = groups(new RequestGroups(tasks, 32_000, 8_000), many("twenty", 150, 100));
        assertThat(g).hasSize(8);
        assertThat(g.subList(0, 7)).allSatisfy(group -> assertThat(group).hasSize(20));
        assertThat(g.get(7)).hasSize(10);
        assertThat(g.stream().flatMap(List::stream)).containsExactlyElementsOf(
                LongStream.rangeClosed(1, 150).boxed().toList());
    }

    @Test
    void longItemsMakeSmallerGroupsSoThePromptStaysWithinTheInputCap() {
        List<List<Long>> g = groups(new RequestGroups(tasks, 1_000, 8_000), many("twenty", 10, 300));
        assertThat(g).extracting(List::size).containsExactly(3, 3, 3, 1);
    }

    @Test
    void manyAnswerBudgetsMakeSmallerGroupsSoTheAnswerStaysWithinTheOutputCap() {
        // 1000 + 8 tokens an item: 7 items fit in 8000
        List<List<Long>> g = groups(new RequestGroups(tasks, 32_000, 8_000), many("wordy", 20, 10));
        assertThat(g).extracting(List::size).containsExactly(7, 7, 6);
    }

    @Test
    void anItemLargerThanTheCapsStillGoesAlone() {
        List<List<Long>> g = groups(new RequestGroups(tasks, 100, 8_000), many("twenty", 2, 500));
        assertThat(g).extracting(List::size).containsExactly(1, 1);
    }

    @Test
    void templatesWithoutMicroBatchingRequestsThatMustGoAloneAndOtherRoutesBreakGroups() {
        List<R> requests = List.of(new R(1, "twenty", 10), new R(2, "twenty", 10), new R(3, "single", 10),
                new R(4, "single", 10), new R(5, "twenty", 10), new R(6, "twenty", 10, true, "openai m /v1/chat/completions"),
                new R(7, "twenty", 10), new R(8, "twenty", 10, false, "anthropic m /v1/chat/completions"),
                new R(9, "twenty", 10, false, "anthropic m /v1/chat/completions"));
        assertThat(groups(new RequestGroups(tasks, 32_000, 8_000), requests)).containsExactly(
                List.of(1L, 2L), List.of(3L), List.of(4L), List.of(5L), List.of(6L), List.of(7L), List.of(8L, 9L));
    }

    @Test
    void theAnswerBudgetOfAGroupIsEachItemsAndItsId() {
        TaskDefinition.RequestTemplate t = tasks.get("twenty").request("main");
        assertThat(RequestGroups.maxOutputTokens(t, 1)).isEqualTo(100);
        assertThat(RequestGroups.maxOutputTokens(t, 20)).isEqualTo(20 * (100 + RequestGroups.ID_TOKENS));
    }
}
