package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Decoding of OpenAI batch output and error file lines, in the shapes of provider-contracts.md. */
class OpenAiResultLineTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aChatCompletionLineGivesTheAnswerAndUsage() throws Exception {
        ResultLine r = OpenAiBatchProvider.decodeLine(JSON.readTree("""
                {"id":"batch_req_1","custom_id":"r7s1","response":{"status_code":200,"request_id":"req_1","body":{
                  "object":"chat.completion","choices":[{"index":0,"finish_reason":"stop",
                  "message":{"role":"assistant","content":"{\\"x\\":1}","refusal":null}}],
                  "usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":20}}}},
                 "error":null}"""));
        assertThat(r.outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
        assertThat(r.customId()).isEqualTo("r7s1");
        assertThat(r.answer()).isEqualTo("{\"x\":1}");
        assertThat(r.usage()).isEqualTo(new ResultLine.Usage(120, 30, 20));
    }

    @Test
    void aResponsesApiLineGivesItsOutputText() throws Exception {
        ResultLine r = OpenAiBatchProvider.decodeLine(JSON.readTree("""
                {"custom_id":"r1s1","response":{"status_code":200,"body":{"object":"response",
                  "output":[{"type":"message","content":[{"type":"output_text","text":"{}"}]}],
                  "usage":{"input_tokens":5,"output_tokens":2,"total_tokens":7}}},"error":null}"""));
        assertThat(r.answer()).isEqualTo("{}");
        assertThat(r.usage()).isEqualTo(new ResultLine.Usage(5, 2, 0));
    }

    @Test
    void failuresAreClassifiedSoOnlyTheRequestsOwnProblemsConsumeAttempts() throws Exception {
        ResultLine server = OpenAiBatchProvider.decodeLine(JSON.readTree("""
                {"custom_id":"r1s1","response":{"status_code":500,"body":{"error":{"message":"boom","type":"server_error"}}},"error":null}"""));
        assertThat(server.failure()).isEqualTo(ResultLine.Failure.TRANSIENT);

        ResultLine invalid = OpenAiBatchProvider.decodeLine(JSON.readTree("""
                {"custom_id":"r1s1","response":{"status_code":400,"body":{"error":{"message":"bad","type":"invalid_request_error"}}},"error":null}"""));
        assertThat(invalid.failure()).isEqualTo(ResultLine.Failure.INVALID_REQUEST);

        ResultLine expired = OpenAiBatchProvider.decodeLine(JSON.readTree("""
                {"custom_id":"r1s1","response":null,"error":{"code":"batch_expired","message":"expired"}}"""));
        assertThat(expired.outcome()).isEqualTo(ResultLine.Outcome.EXPIRED);
        assertThat(expired.failure()).isEqualTo(ResultLine.Failure.TRANSIENT);

        ResultLine cancelled = OpenAiBatchProvider.decodeLine(JSON.readTree("""
                {"custom_id":"r1s1","response":null,"error":{"code":"batch_cancelled","message":"cancelled"}}"""));
        assertThat(cancelled.outcome()).isEqualTo(ResultLine.Outcome.CANCELLED);

        ResultLine refused = OpenAiBatchProvider.decodeLine(JSON.readTree("""
                {"custom_id":"r1s1","response":{"status_code":200,"body":{"choices":[{"finish_reason":"stop",
                 "message":{"content":null,"refusal":"I can't"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}}}"""));
        assertThat(refused.failure()).isEqualTo(ResultLine.Failure.REQUEST);
        assertThat(refused.usage().inputTokens()).isEqualTo(1);
    }

    @Test
    void batchStatusesMapToProviderNeutralStates() throws Exception {
        ProviderBatch b = OpenAiBatchProvider.parse(JSON.readTree("""
                {"id":"batch_1","object":"batch","status":"failed","created_at":1700000000,"expires_at":1700086400,
                 "errors":{"object":"list","data":[{"code":"token_limit_exceeded","message":"Enqueued token limit reached"}]},
                 "request_counts":{"total":3,"completed":0,"failed":0},"metadata":{"batchpipe_batch":"bp-x-1"}}"""));
        assertThat(b.state()).isEqualTo(ProviderBatch.State.FAILED);
        assertThat(b.errorCode()).isEqualTo("token_limit_exceeded");
        assertThat(b.tag()).isEqualTo("bp-x-1");
        assertThat(b.expiresAt().getEpochSecond()).isEqualTo(1700086400L);
        assertThat(OpenAiBatchProvider.parse(JSON.readTree("{\"id\":\"b\",\"status\":\"finalizing\"}")).state())
                .isEqualTo(ProviderBatch.State.RUNNING);
    }
}
