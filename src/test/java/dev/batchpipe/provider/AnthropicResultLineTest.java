package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Decoding of Anthropic Message Batches result lines and batch objects, in the shapes of provider-contracts.md. */
class AnthropicResultLineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "bp-0123456789ab-";

    private static ResultLine decode(String json) throws Exception {
        return AnthropicBatchProvider.decodeLine(JSON.readTree(json), PREFIX, true);
    }

    @Test
    void aSucceededLineGivesTheToolInputAsTheAnswerAndCountsCacheTokensAsInput() throws Exception {
        ResultLine r = decode("""
                {"custom_id":"bp-0123456789ab-r7s2","result":{"type":"succeeded","message":{"id":"msg_1",
                  "type":"message","role":"assistant","model":"claude-haiku-4-5","stop_reason":"tool_use",
                  "content":[{"type":"text","text":"Here it is."},
                             {"type":"tool_use","id":"toolu_1","name":"news_classify","input":{"x":1,"y":["a"]}}],
                  "usage":{"input_tokens":100,"output_tokens":30,"cache_creation_input_tokens":20,
                           "cache_read_input_tokens":50}}}}""");
        assertThat(r.outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
        assertThat(r.customId()).isEqualTo("r7s2");
        assertThat(JSON.readTree(r.answer())).isEqualTo(JSON.readTree("{\"x\":1,\"y\":[\"a\"]}"));
        assertThat(r.usage()).as("a batch's cache writes are one-hour ones")
                .isEqualTo(new ResultLine.Usage(170, 30, 50, 0, 20));
    }

    @Test
    void cacheWritesAreSplitByLifetimeWhereTheUsageSaysAndAreFiveMinuteOnesInARealtimeCall() throws Exception {
        String line = """
                {"custom_id":"bp-0123456789ab-r7s2","result":{"type":"succeeded","message":{"stop_reason":"tool_use",
                  "content":[{"type":"tool_use","id":"t","name":"n","input":{}}],
                  "usage":{"input_tokens":10,"output_tokens":5,"cache_creation_input_tokens":%s,
                           "cache_read_input_tokens":0%s}}}}""";
        assertThat(decode(line.formatted("300", ",\"cache_creation\":{\"ephemeral_5m_input_tokens\":100,"
                + "\"ephemeral_1h_input_tokens\":200}")).usage()).isEqualTo(new ResultLine.Usage(310, 5, 0, 100, 200));
        assertThat(AnthropicBatchProvider.decodeLine(JSON.readTree(line.formatted("40", "")), PREFIX, false).usage())
                .isEqualTo(new ResultLine.Usage(50, 5, 0, 40, 0));
    }

    @Test
    void errorsAreClassifiedByTheirType() throws Exception {
        String line = """
                {"custom_id":"bp-0123456789ab-r1s1","result":{"type":"errored","error":{"type":"error",
                  "error":{"type":"%s","message":"m"}}}}""";
        assertThat(decode(line.formatted("invalid_request_error")).failure()).isEqualTo(ResultLine.Failure.INVALID_REQUEST);
        for (String transient_ : new String[] {"overloaded_error", "api_error", "rate_limit_error"}) {
            ResultLine r = decode(line.formatted(transient_));
            assertThat(r.outcome()).isEqualTo(ResultLine.Outcome.ERRORED);
            assertThat(r.failure()).isEqualTo(ResultLine.Failure.TRANSIENT);
            assertThat(r.error()).isEqualTo(transient_ + ": m");
        }
        assertThat(decode(line.formatted("permission_error")).failure()).isEqualTo(ResultLine.Failure.REQUEST);
    }

    @Test
    void canceledAndExpiredLinesAreTheProvidersProblem() throws Exception {
        ResultLine canceled = decode("{\"custom_id\":\"bp-0123456789ab-r1s1\",\"result\":{\"type\":\"canceled\"}}");
        assertThat(canceled.outcome()).isEqualTo(ResultLine.Outcome.CANCELLED);
        assertThat(canceled.failure()).isEqualTo(ResultLine.Failure.TRANSIENT);
        ResultLine expired = decode("{\"custom_id\":\"bp-0123456789ab-r1s1\",\"result\":{\"type\":\"expired\"}}");
        assertThat(expired.outcome()).isEqualTo(ResultLine.Outcome.EXPIRED);
        assertThat(expired.failure()).isEqualTo(ResultLine.Failure.TRANSIENT);
    }

    @Test
    void aTruncatedOrToollessAnswerIsTheRequestsOwnFailure() throws Exception {
        ResultLine cut = decode("""
                {"custom_id":"bp-0123456789ab-r1s1","result":{"type":"succeeded","message":{"stop_reason":"max_tokens",
                  "content":[{"type":"tool_use","input":{}}],"usage":{"input_tokens":5,"output_tokens":800}}}}""");
        assertThat(cut.failure()).isEqualTo(ResultLine.Failure.REQUEST);
        assertThat(cut.usage().outputTokens()).isEqualTo(800);
        ResultLine refused = decode("""
                {"custom_id":"bp-0123456789ab-r1s1","result":{"type":"succeeded","message":{"stop_reason":"refusal",
                  "content":[{"type":"text","text":"No."}],"usage":{"input_tokens":5,"output_tokens":1}}}}""");
        assertThat(refused.failure()).isEqualTo(ResultLine.Failure.REQUEST);
        assertThat(refused.error()).isEqualTo("model refused");
    }

    @Test
    void anotherInstallationsCustomIdIsNotMadeToLookLikeOurs() throws Exception {
        ResultLine foreign = decode("{\"custom_id\":\"bp-ffffffffffff-r1s1\",\"result\":{\"type\":\"expired\"}}");
        assertThat(foreign.customId()).isEqualTo("bp-ffffffffffff-r1s1");
        assertThat(dev.batchpipe.pipeline.RequestRenderer.parseCustomId(foreign.customId())).isNull();
    }

    @Test
    void batchStatusesAndCountsMapToProviderNeutralTerms() throws Exception {
        ProviderBatch running = AnthropicBatchProvider.parse(JSON.readTree("""
                {"id":"msgbatch_1","type":"message_batch","processing_status":"in_progress",
                 "request_counts":{"processing":3,"succeeded":1,"errored":0,"canceled":0,"expired":0},
                 "created_at":"2025-01-01T10:00:00Z","expires_at":"2025-01-02T10:00:00.5+00:00","results_url":null}"""));
        assertThat(running.state()).isEqualTo(ProviderBatch.State.RUNNING);
        assertThat(running.total()).isEqualTo(4);
        assertThat(running.outputFileId()).isNull();
        assertThat(running.expiresAt()).isEqualTo(java.time.Instant.parse("2025-01-02T10:00:00.500Z"));

        ProviderBatch ended = AnthropicBatchProvider.parse(JSON.readTree("""
                {"id":"msgbatch_1","processing_status":"ended","cancel_initiated_at":null,
                 "request_counts":{"processing":0,"succeeded":2,"errored":1,"canceled":0,"expired":1},
                 "results_url":"https://api.anthropic.com/v1/messages/batches/msgbatch_1/results"}"""));
        assertThat(ended.state()).isEqualTo(ProviderBatch.State.EXPIRED);
        assertThat(ended.total()).isEqualTo(4);
        assertThat(ended.completed()).isEqualTo(2);
        assertThat(ended.failed()).isEqualTo(2);

        ProviderBatch cancelled = AnthropicBatchProvider.parse(JSON.readTree("""
                {"id":"msgbatch_1","processing_status":"ended","cancel_initiated_at":"2025-01-01T11:00:00Z",
                 "request_counts":{"processing":0,"succeeded":2,"errored":0,"canceled":2,"expired":0}}"""));
        assertThat(cancelled.state()).isEqualTo(ProviderBatch.State.CANCELLED);
        assertThat(AnthropicBatchProvider.parse(JSON.readTree("{\"id\":\"b\",\"processing_status\":\"canceling\"}"))
                .state()).isEqualTo(ProviderBatch.State.CANCELLING);
    }

    @Test
    void errorAnswersKeepTheirTypeAndRetryability() {
        ProviderException overloaded = AnthropicBatchProvider.decodeError(529,
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},\"request_id\":\"req_1\"}");
        assertThat(overloaded.code()).isEqualTo("overloaded_error");
        assertThat(overloaded.retryable()).isTrue();
        ProviderException tooLarge = AnthropicBatchProvider.decodeError(413,
                "{\"type\":\"error\",\"error\":{\"type\":\"request_too_large\",\"message\":\"too big\"}}");
        assertThat(tooLarge.retryable()).isFalse();
        assertThat(tooLarge.getMessage()).isEqualTo("HTTP 413 request_too_large: too big");
    }
}
