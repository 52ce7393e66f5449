package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.task.TaskLoader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.spi.RouteTemplateParameterSource;
import org.junit.jupiter.api.Test;

/** One overnight-window route per task, each with the task's own cron when set. */
class OvernightWindowsTest {

    private static dev.batchpipe.task.TaskDefinition task(String name) throws IOException {
        String yaml = """
                name: %s
                provider: openai
                model: gpt-4o-mini
                input:
                  key: id
                  schema: {type: object, required: [id, body], properties: {id: {type: string}, body: {type: string}}}
                requests:
                  - name: only
                    user: "Read {{body}}"
                    schema: {type: object, required: [x], properties: {x: {type: integer}}}
                    output:
                      - table: t_rows
                        replace: [k]
                        columns: {k: $item.id, x: $.x}
                """.formatted(name);
        return TaskLoader.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), name + ".yaml");
    }

    @Test
    void eachTaskGetsARouteFromTheTemplateWithItsCron() throws IOException {
        OvernightWindows windows = new OvernightWindows(List.of(task("news"), task("stories")),
                "0 0 2 * * ?", key -> key.equals("batchpipe.overnight.cron.stories") ? Optional.of("0 30 3 * * ?")
                        : Optional.empty());

        assertThat(windows.routeIds()).containsExactly("overnight-news", "overnight-stories");
        assertThat(windows.parameters("overnight-news")).isEqualTo(Map.of(RouteTemplateParameterSource.TEMPLATE_ID,
                "overnight-window", "task", "news", "cron", "0 0 2 * * ?"));
        assertThat(windows.parameters("overnight-stories")).containsEntry("cron", "0 30 3 * * ?");
    }
}
