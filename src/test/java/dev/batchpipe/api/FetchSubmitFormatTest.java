package dev.batchpipe.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** POST /api/jobs/{task}?fetch=true takes a URL list as text/plain too; without fetch, text/plain stays refused. */
class FetchSubmitFormatTest {

    private final JobsApi api = new JobsApi(null, null, null, null, null, null, null, null, null, null, 0);

    @Test
    void textPlainIsAUrlListOnlyWithFetch() {
        assertThat(api.format("text/plain; charset=utf-8", "true")).isEqualTo("txt");
        assertThat(api.format("application/x-ndjson", "true")).isEqualTo("jsonl");
        assertThatThrownBy(() -> api.format("text/plain", null)).isInstanceOf(ApiProblem.class)
                .hasMessageContaining("only as a list of URLs, with ?fetch=true");
    }
}
