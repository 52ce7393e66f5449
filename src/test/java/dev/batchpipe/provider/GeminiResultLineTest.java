package dev.batchpipe.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Decoding of Gemini batch output lines, inline responses and Operations, in the shapes of provider-contracts.md. */
class GeminiResultLineTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ResultLine decode(String json) throws Exception {
        return GeminiBatchProvider.decodeLine(JSON.readTree(json));
    }

    @Test
    void aFileLineGivesTheTextAndCountsThinkingAsOutput() throws Exception {
        ResultLine r = decode("""
                {"key":"r3s1","response":{"candidates":[{"content":{"role":"model","parts":[
                   {"text":"reasoning…","thought":true},{"text":"{\\"a\\":"},{"text":"1}"}]},"finishReason":"STOP"}],
                 "usageMetadata":{"promptTokenCount":120,"candidatesTokenCount":10,"thoughtsTokenCount":40,
                                  "cachedContentTokenCount":100,"totalTokenCount":170}}}""");
        assertThat(r.outcome()).isEqualTo(ResultLine.Outcome.SUCCEEDED);
        assertThat(r.customId()).isEqualTo("r3s1");
        assertThat(r.answer()).isEqualTo("{\"a\":1}");
        assertThat(r.usage()).isEqualTo(new ResultLine.Usage(120, 50, 100));
    }

    @Test
    void anInlineResponseIsKeyedByItsMetadata() throws Exception {
        ResultLine r = decode("""
                {"metadata":{"key":"r4s2"},"response":{"candidates":[{"content":{"parts":[{"text":"{}"}]},
                 "finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":"7","candidatesTokenCount":"2"}}}""");
        assertThat(r.customId()).isEqualTo("r4s2");
        assertThat(r.usage()).isEqualTo(new ResultLine.Usage(7, 2, 0));
    }

    @Test
    void perLineErrorsAreClassifiedByGrpcStatusOrHttpCode() throws Exception {
        assertThat(decode("{\"key\":\"r1s1\",\"error\":{\"code\":3,\"message\":\"bad\"}}").failure())
                .isEqualTo(ResultLine.Failure.INVALID_REQUEST);
        assertThat(decode("{\"key\":\"r1s1\",\"error\":{\"code\":13,\"message\":\"boom\"}}").failure())
                .isEqualTo(ResultLine.Failure.TRANSIENT);
        assertThat(decode("{\"key\":\"r1s1\",\"error\":{\"code\":500,\"message\":\"boom\"}}").failure())
                .isEqualTo(ResultLine.Failure.TRANSIENT);
        assertThat(decode("{\"key\":\"r1s1\",\"error\":{\"code\":400,\"message\":\"bad\"}}").failure())
                .isEqualTo(ResultLine.Failure.INVALID_REQUEST);
        ResultLine exhausted = decode("{\"key\":\"r1s1\",\"error\":{\"code\":429,\"message\":\"m\",\"status\":\"RESOURCE_EXHAUSTED\"}}");
        assertThat(exhausted.failure()).isEqualTo(ResultLine.Failure.TRANSIENT);
        assertThat(exhausted.error()).isEqualTo("RESOURCE_EXHAUSTED: m");
        assertThat(decode("{\"key\":\"r1s1\",\"error\":{\"code\":7,\"message\":\"no\"}}").failure())
                .isEqualTo(ResultLine.Failure.REQUEST);
    }

    @Test
    void cutOffBlockedAndUnsafeAnswersAreTheRequestsOwnFailures() throws Exception {
        ResultLine cut = decode("""
                {"key":"r1s1","response":{"candidates":[{"content":{"parts":[{"text":"{\\"a\\""}]},
                 "finishReason":"MAX_TOKENS"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":800}}}""");
        assertThat(cut.failure()).isEqualTo(ResultLine.Failure.REQUEST);
        assertThat(cut.error()).isEqualTo("answer cut off at maxOutputTokens");
        assertThat(decode("{\"key\":\"r1s1\",\"response\":{\"candidates\":[{\"finishReason\":\"SAFETY\"}]}}").error())
                .isEqualTo("generation stopped: SAFETY");
        assertThat(decode("{\"key\":\"r1s1\",\"response\":{\"promptFeedback\":{\"blockReason\":\"OTHER\"}}}").error())
                .isEqualTo("prompt blocked: OTHER");
    }

    @Test
    void operationsMapToProviderNeutralStatesWithCountsSentAsStrings() throws Exception {
        ProviderBatch done = GeminiBatchProvider.parse(JSON.readTree("""
                {"name":"batches/abc","metadata":{"@type":"type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch",
                  "displayName":"bp-x-7","state":"BATCH_STATE_SUCCEEDED","createTime":"2025-01-01T10:00:00.123456Z",
                  "inputConfig":{"fileName":"files/in"},
                  "batchStats":{"requestCount":"3","successfulRequestCount":"2","failedRequestCount":"1","pendingRequestCount":"0"},
                  "output":{"responsesFile":"files/out"}},
                 "done":true,"response":{"responsesFile":"files/out"}}"""));
        assertThat(done.id()).isEqualTo("batches/abc");
        assertThat(done.state()).isEqualTo(ProviderBatch.State.COMPLETED);
        assertThat(done.tag()).isEqualTo("bp-x-7");
        assertThat(done.total()).isEqualTo(3);
        assertThat(done.completed()).isEqualTo(2);
        assertThat(done.failed()).isEqualTo(1);
        assertThat(done.inputFileId()).isEqualTo("files/in");
        assertThat(done.outputFileId()).isEqualTo("files/out");
        assertThat(done.createdAt()).isEqualTo(Instant.parse("2025-01-01T10:00:00.123456Z"));
        assertThat(done.expiresAt()).isEqualTo(Instant.parse("2025-01-03T10:00:00.123456Z"));

        ProviderBatch failed = GeminiBatchProvider.parse(JSON.readTree("""
                {"name":"batches/x","metadata":{"state":"JOB_STATE_FAILED"},"done":true,
                 "error":{"code":3,"message":"bad input file"}}"""));
        assertThat(failed.state()).isEqualTo(ProviderBatch.State.FAILED);
        assertThat(failed.errorCode()).isEqualTo("INVALID_ARGUMENT");
        assertThat(failed.errorMessage()).isEqualTo("bad input file");

        assertThat(GeminiBatchProvider.state("BATCH_STATE_PENDING")).isEqualTo(ProviderBatch.State.PENDING);
        assertThat(GeminiBatchProvider.state("JOB_STATE_RUNNING")).isEqualTo(ProviderBatch.State.RUNNING);
        assertThat(GeminiBatchProvider.state("BATCH_STATE_EXPIRED")).isEqualTo(ProviderBatch.State.EXPIRED);
        assertThat(GeminiBatchProvider.state("JOB_STATE_CANCELLED")).isEqualTo(ProviderBatch.State.CANCELLED);
        assertThatThrownBy(() -> GeminiBatchProvider.state("BATCH_STATE_MYSTERY")).isInstanceOf(ProviderException.class);
    }

    @Test
    void inlineRequestsAreFileLinesRewrapped() throws Exception {
        String item = GeminiBatchProvider.inlineItem("{\"key\":\"r1s1\",\"request\":{\"contents\":[]}}");
        assertThat(JSON.readTree(item)).isEqualTo(JSON.readTree("{\"request\":{\"contents\":[]},\"metadata\":{\"key\":\"r1s1\"}}"));
    }

    @Test
    void errorAnswersCarryTheirStatus() {
        ProviderException e = GeminiBatchProvider.decodeError(429,
                "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}");
        assertThat(e.code()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(e.retryable()).isTrue();
        assertThat(GeminiBatchProvider.decodeError(502, "<html>bad gateway</html>").getMessage())
                .isEqualTo("HTTP 502: <html>bad gateway</html>");
    }
}
