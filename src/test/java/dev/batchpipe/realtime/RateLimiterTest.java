package dev.batchpipe.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.ResultLine;
import dev.batchpipe.support.DatabaseTest;
import dev.batchpipe.support.MovableClock;
import java.time.Duration;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The realtime budget on a real PostgreSQL: two limiters (two instances) on one database draw from one bucket; the
 * tokens a call did not use are given back; announced limits lower configured ones. Reservations return the wait,
 * so nothing here sleeps.
 */
class RateLimiterTest extends DatabaseTest {

    /** Moved by the AIMD test only; the buckets keep their own time. */
    private static final MovableClock CLOCK = new MovableClock();
    private static final RateLimiter.Backoff BACKOFF = new RateLimiter.Backoff(0.5, 0.1, 0.05, Duration.ofSeconds(2),
            Duration.ofSeconds(5));

    private static RateLimiter limiter(long rpm, long tpm) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(dbUrl);
        return new RateLimiter(ds, (provider, model, kind) -> kind.equals("rpm") ? rpm : tpm, Duration.ofMinutes(1),
                BACKOFF, CLOCK);
    }

    private static RealtimeCall call(String model, int input, int maxOutput) {
        return new RealtimeCall("r1s1", List.of(new RealtimeCall.Member(1, 1, input, "{}")), "t", "r", "openai", model,
                "/v1/chat/completions", maxOutput, null);
    }

    @Test
    void twoInstancesShareOneRequestBudget() {
        RateLimiter first = limiter(60, 0);
        RateLimiter second = limiter(60, 0);
        long last = 0;
        for (int i = 0; i < 120; i++) {
            last = (i % 2 == 0 ? first : second).reserve(call("shared", 10, 10));
        }
        // 120 requests at 60 a minute (a burst of 1, 59 refilled a minute): the last waits two minutes, not one
        assertThat(Duration.ofMillis(last)).isGreaterThan(Duration.ofSeconds(110));
    }

    @Test
    void unusedTokensAreGivenBack() {
        RateLimiter limiter = limiter(0, 600);
        RealtimeCall c = call("refund", 50, 50);
        long firstWait = limiter.reserve(c);
        limiter.settle(c, new ResultLine.Usage(10, 10, 0), Map.of());
        long secondWait = limiter.reserve(c);
        // 600 tokens a minute (burst 10): 100 reserved twice would wait 190/590 min (19 s); with 80 given back, 11 s (2 % more: the headroom)
        assertThat(Duration.ofMillis(firstWait)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
        assertThat(Duration.ofMillis(secondWait)).isBetween(Duration.ofSeconds(10), Duration.ofSeconds(13));
    }

    @Test
    void theLowerOfConfiguredAndAnnouncedLimitsWins() {
        RateLimiter limiter = limiter(60, 0);
        RealtimeCall c = call("learned", 1, 1);
        assertThat(limiter.limit("openai", "learned", "rpm")).isEqualTo(60);
        limiter.settle(c, ResultLine.Usage.NONE, Map.of("x-ratelimit-limit-requests", "30",
                "x-ratelimit-limit-tokens", "150000"));
        assertThat(limiter.limit("openai", "learned", "rpm")).isEqualTo(30);
        assertThat(limiter.limit("openai", "learned", "tpm")).isEqualTo(150000);
        limiter.settle(c, ResultLine.Usage.NONE, Map.of("anthropic-ratelimit-requests-limit", "90"));
        assertThat(limiter.limit("openai", "learned", "rpm")).isEqualTo(60);
    }

    @Test
    void a429HalvesTheRateOnceAndTheRateGrowsBackByATenthAPeriod() {
        RateLimiter limiter = limiter(600, 0);
        RealtimeCall c = call("aimd", 1, 1);
        ProviderException refusal = ProviderException.ofResponse(429, "rate_limit_exceeded", "slow down")
                .withRetryAfter(Duration.ofSeconds(6));
        limiter.throttled(c, refusal);
        limiter.throttled(c, refusal); // a call of the same burst: counted once
        assertThat(limiter.limit("openai", "aimd", "rpm")).isEqualTo(300);
        // every caller waits the Retry-After: 6 s at 300 a minute, 30 requests owed to the bucket (burst 5)
        assertThat(Duration.ofMillis(limiter.reserve(c))).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(7));

        CLOCK.advance(Duration.ofMinutes(1));
        assertThat(limiter.limit("openai", "aimd", "rpm")).isEqualTo(360);
        limiter.throttled(c, refusal);
        assertThat(limiter.limit("openai", "aimd", "rpm")).isEqualTo(180);
        // another model of the provider is not slowed down
        assertThat(limiter.limit("openai", "other", "rpm")).isEqualTo(600);

        CLOCK.advance(Duration.ofMinutes(7));
        assertThat(limiter.limit("openai", "aimd", "rpm")).isEqualTo(600);
    }
}
