package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Synchronous generation calls: counts them, enforces the per-provider requests- and tokens-per-minute limits over
 * a sliding simulated minute (with each provider's rate-limit headers), and answers like a batch line would. A call
 * is admitted on its estimate (prompt + answer budget) and then counts what it used (prompt + answer), as providers
 * that limit output tokens count them.
 */
final class Realtime {

    private final SandboxConfig config;
    private final SandboxFaults faults;
    private final Counters counters;
    private final Map<Provider, Deque<long[]>> windows = new EnumMap<>(Provider.class);

    Realtime(SandboxConfig config, SandboxFaults faults, Counters counters) {
        this.config = config;
        this.faults = faults;
        this.counters = counters;
        for (Provider p : Provider.values()) {
            windows.put(p, new ArrayDeque<>());
        }
    }

    /** Answers a realtime call and sends it. {@code model} overrides the body's (Gemini names it in the path). */
    void answer(RoutingContext ctx, BatchFormat format, String endpoint, String model) {
        Provider provider = format.provider();
        counters.of(provider).realtimeCalls.increment();
        JsonNode body = Http.object(ctx);
        ParsedRequest req = format.parse(body, endpoint, model);
        long[] admitted = admit(ctx.response(), provider, req.estimatedTokens());
        ProviderFaults f = faults.of(provider);
        boolean structured = req.kind() == ParsedRequest.Kind.SCHEMA || req.kind() == ParsedRequest.Kind.TOOL;
        boolean invalid = structured && ThreadLocalRandom.current().nextDouble() < f.invalidAnswerFraction();
        Answers.Answer answer = Answers.answer(req, format.promptTokens(req, body), invalid, f);
        if (admitted != null) {
            synchronized (windows.get(provider)) {
                admitted[1] = (long) answer.inputTokens() + answer.outputTokens();
            }
        }
        ObjectNode response = format.render(req, answer, endpoint, System.currentTimeMillis());
        if (provider == Provider.ANTHROPIC) {
            ctx.response().putHeader("request-id", Ids.anthropicRequest());
        } else if (provider == Provider.OPENAI) {
            ctx.response().putHeader("x-request-id", Ids.openAiRequest());
        }
        Http.json(ctx, 200, response);
    }

    /** Admits the call or refuses it with a 429; returns its entry in the window (null without limits). */
    private long[] admit(HttpServerResponse response, Provider provider, long tokens) {
        ProviderFaults f = faults.of(provider);
        int rpm = f.realtimeRequestsPerMinute();
        long tpm = f.realtimeTokensPerMinute();
        if (rpm == 0 && tpm == 0) {
            return null;
        }
        long now = System.currentTimeMillis();
        long window = Math.max(1, Math.round(60_000 / config.speed()));
        Deque<long[]> calls = windows.get(provider);
        long usedRequests;
        long usedTokens = 0;
        long oldest;
        boolean allowed;
        long[] entry = null;
        synchronized (calls) {
            while (!calls.isEmpty() && calls.peekFirst()[0] <= now - window) {
                calls.pollFirst();
            }
            for (long[] c : calls) {
                usedTokens += c[1];
            }
            usedRequests = calls.size();
            allowed = (rpm == 0 || usedRequests < rpm) && (tpm == 0 || usedTokens + tokens <= tpm);
            if (allowed) {
                entry = new long[] {now, tokens};
                calls.addLast(entry);
                usedRequests++;
                usedTokens += tokens;
            }
            oldest = calls.isEmpty() ? now : calls.peekFirst()[0];
        }
        long resetMillis = Math.max(1, oldest + window - now);
        headers(response, provider, rpm, Math.max(0, rpm - usedRequests), tpm, Math.max(0, tpm - usedTokens),
                resetMillis, now);
        if (!allowed) {
            int retryAfter = (int) Math.max(1, (resetMillis + 999) / 1000);
            throw new ApiError(ApiError.Kind.RATE_LIMITED, "Rate limit reached for " + provider.wireName()
                    + " realtime calls: limit " + (rpm > 0 ? rpm + " requests" : "") + (rpm > 0 && tpm > 0 ? ", " : "")
                    + (tpm > 0 ? tpm + " tokens" : "") + " per minute. Please try again in " + retryAfter + "s.",
                    null, "rate_limit_exceeded", retryAfter);
        }
        return entry;
    }

    private static void headers(HttpServerResponse r, Provider provider, int rpm, long remainingRequests, long tpm,
                                long remainingTokens, long resetMillis, long now) {
        switch (provider) {
            case OPENAI -> {
                String reset = resetMillis < 1000 ? resetMillis + "ms" : (resetMillis / 1000) + "s";
                if (rpm > 0) {
                    r.putHeader("x-ratelimit-limit-requests", String.valueOf(rpm));
                    r.putHeader("x-ratelimit-remaining-requests", String.valueOf(remainingRequests));
                    r.putHeader("x-ratelimit-reset-requests", reset);
                }
                if (tpm > 0) {
                    r.putHeader("x-ratelimit-limit-tokens", String.valueOf(tpm));
                    r.putHeader("x-ratelimit-remaining-tokens", String.valueOf(remainingTokens));
                    r.putHeader("x-ratelimit-reset-tokens", reset);
                }
            }
            case ANTHROPIC -> {
                String reset = Json.rfc3339(now + resetMillis);
                if (rpm > 0) {
                    r.putHeader("anthropic-ratelimit-requests-limit", String.valueOf(rpm));
                    r.putHeader("anthropic-ratelimit-requests-remaining", String.valueOf(remainingRequests));
                    r.putHeader("anthropic-ratelimit-requests-reset", reset);
                }
                if (tpm > 0) {
                    for (String kind : new String[] {"tokens", "input-tokens", "output-tokens"}) {
                        r.putHeader("anthropic-ratelimit-" + kind + "-limit", String.valueOf(tpm));
                        r.putHeader("anthropic-ratelimit-" + kind + "-remaining", String.valueOf(remainingTokens));
                        r.putHeader("anthropic-ratelimit-" + kind + "-reset", reset);
                    }
                }
            }
            case GEMINI -> {
                // Gemini sends no rate-limit headers; its 429 carries a RetryInfo detail instead
            }
        }
    }
}
