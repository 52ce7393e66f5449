package dev.batchpipe.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A task with a video field loads for Gemini only, one video item per request. */
class VideoFieldsTest {

    private static String task(String provider, String extra) {
        return """
                name: clips
                provider: %s
                model: a-model
                input:
                  key: id
                  schema:
                    type: object
                    required: [id, clip]
                    properties:
                      id: {type: string}
                      clip: {type: string, format: video}
                      note: {type: string}
                requests:
                  - name: describe
                    user: "What happens in this clip? {{note}}"
                    %s
                    schema: {type: object, required: [x], properties: {x: {type: string}}}
                    output:
                      - table: clip_rows
                        replace: [k]
                        columns: {k: $item.id, x: $.x}
                """.formatted(provider, extra);
    }

    private static TaskDefinition load(String yaml) {
        return TaskLoader.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "clips.yaml");
    }

    @Test
    void aGeminiTaskKnowsItsVideoFields() {
        TaskDefinition t = load(task("gemini", ""));

        assertThat(t.videoFields()).containsExactly("clip");
        assertThat(t.imageFields()).isEmpty();
    }

    @Test
    void aProviderThatTakesNoVideoIsRefusedAtLoadNamingTheFieldAndTheProvider() {
        assertThatThrownBy(() -> load(task("anthropic", "")))
                .isInstanceOf(TaskFileException.class)
                .hasMessage("clips.yaml: requests[0]: input field 'clip' is a video (format: video), which only gemini "
                        + "takes; this request goes to anthropic (set provider: gemini)");
        assertThatThrownBy(() -> load(task("openai", ""))).hasMessageContaining("this request goes to openai");
    }

    @Test
    void videosAreNotAskedAboutInGroups() {
        assertThatThrownBy(() -> load(task("gemini", "rows_per_request: 5\n    system: Describe.")))
                .isInstanceOf(TaskFileException.class)
                .hasMessageContaining("rows_per_request must be 1 for a task with videos");
    }

    @Test
    void aVideoFieldMustHoldPaths() {
        assertThatThrownBy(() -> load(task("gemini", "").replace("clip: {type: string, format: video}",
                "clip: {type: integer, format: video}")))
                .hasMessageContaining("video field 'clip' must be a string or an array of strings");
    }
}
