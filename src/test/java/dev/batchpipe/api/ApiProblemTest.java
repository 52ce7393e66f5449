package dev.batchpipe.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiProblemTest {

    private final JobsApi api = new JobsApi(null, null, null, null, null, null, 0);

    @Test
    void aBodyTypeWeDoNotReadIsRefusedNamingTheOnesWeDo() {
        assertThat(api.format(null)).isEqualTo("jsonl");
        assertThat(api.format("application/x-ndjson; charset=utf-8")).isEqualTo("jsonl");
        assertThat(api.format("application/json")).isEqualTo("json");
        assertThat(api.format("TEXT/CSV")).isEqualTo("csv");
        assertThatThrownBy(() -> api.format("application/x-www-form-urlencoded"))
                .isInstanceOfSatisfying(ApiProblem.class, p -> {
                    assertThat(p.status()).isEqualTo(415);
                    assertThat(p.getMessage()).contains(String.join(", ", JobsApi.BODY_TYPES));
                });
    }

    @Test
    void parametersThatAreNotNumbersAreBadRequests() {
        assertThat(ApiProblem.number("job", null)).isNull();
        assertThat(ApiProblem.number("job", "42")).isEqualTo(42L);
        assertThatThrownBy(() -> ApiProblem.number("job", "abc"))
                .isInstanceOfSatisfying(ApiProblem.class, p -> assertThat(p.body())
                        .isEqualTo(new ApiProblem.Body("about:blank", "Bad Request", 400, "job must be a whole number")));
    }

    @Test
    void theAnswerIsTheProblemInsideCamelsWrappersElseAnInternalError() {
        ApiProblem problem = new ApiProblem(404, "no job 7");
        assertThat(ApiProblem.answerTo(new RuntimeException("wrapped", problem))).isEqualTo(problem.body());
        ApiProblem.Body internal = ApiProblem.answerTo(new IllegalStateException("pool exhausted"));
        assertThat(internal.status()).isEqualTo(500);
        assertThat(internal.detail()).doesNotContain("pool exhausted");
    }

    @Test
    void costsAreWrittenAsPlainDecimals() throws Exception {
        assertThat(ApiJson.mapper().writeValueAsString(Map.of("costUsd", new BigDecimal("0E-8")))).isEqualTo("{\"costUsd\":0.00000000}");
        assertThat(ApiJson.mapper().writeValueAsString(Map.of("at", java.time.Instant.parse("2026-12-02T04:00:00Z"))))
                .isEqualTo("{\"at\":\"2026-12-02T04:00:00Z\"}");
    }
}
