package dev.batchpipe.realtime;

import dev.batchpipe.provider.ResultLine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.jdbc.BucketTableSettings;
import io.github.bucket4j.distributed.jdbc.PrimaryKeyMapper;
import io.github.bucket4j.distributed.jdbc.SQLProxyConfiguration;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.PostgreSQLSelectForUpdateBasedProxyManager;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * Requests and tokens per minute, per provider and model, as token buckets (bucket4j) whose state lives in PostgreSQL
 * ({@code rate_buckets}), so every instance on the database draws from one budget. A call reserves one request and
 * its estimated tokens (input + max output) and waits as long as the buckets say; when its usage comes back, the
 * difference is given back (or taken). The limit is the lower of the configured one and the one the provider
 * announces in its rate-limit headers.
 *
 * <p>A provider counts over a sliding minute, a bucket refills continuously: to stay under the limit in every
 * minute, a bucket of limit L holds a burst of L/60 and refills the rest, L − L/60, per minute and a bit (about 96 %).
 */
public final class RateLimiter {

    /** The configured limit of a provider and model, by kind ("rpm", "tpm", "daily-requests"); 0 = none configured. */
    public interface Configured {
        long limit(String provider, String model, String kind);
    }

    private final ProxyManager<String> buckets;
    private final Configured configured;
    private final Duration period;
    private final Map<String, Long> learned = new ConcurrentHashMap<>();
    private final Map<String, Long> applied = new ConcurrentHashMap<>();

    public RateLimiter(DataSource dataSource, Configured configured, Duration period) {
        this.buckets = new PostgreSQLSelectForUpdateBasedProxyManager<>(SQLProxyConfiguration.builder()
                .withTableSettings(BucketTableSettings.customSettings("rate_buckets", "id", "state"))
                .withPrimaryKeyMapper(PrimaryKeyMapper.STRING).build(dataSource));
        this.configured = configured;
        this.period = period;
    }

    /** Reserves the call's request and tokens; returns how many milliseconds to wait before sending it. */
    public long reserve(RealtimeCall c) {
        long wait = 0;
        Bucket requests = bucket(c, "rpm");
        if (requests != null) {
            wait = Math.max(wait, requests.consumeIgnoringRateLimits(1));
        }
        Bucket tokens = bucket(c, "tpm");
        if (tokens != null) {
            wait = Math.max(wait, tokens.consumeIgnoringRateLimits(c.reservedTokens()));
        }
        return Duration.ofNanos(wait).toMillis();
    }

    /** After the answer: learns the limits its headers announce and settles the tokens against the reservation. */
    public void settle(RealtimeCall c, ResultLine.Usage usage, Map<String, Object> headers) {
        RateLimitHeaders.of(headers).forEach((kind, limit) -> learned.put(key(c, kind), limit));
        Bucket tokens = bucket(c, "tpm");
        long used = (long) usage.inputTokens() + usage.outputTokens();
        if (tokens == null || used == 0) {
            return;
        }
        long difference = c.reservedTokens() - used;
        if (difference > 0) {
            tokens.addTokens(difference);
        } else if (difference < 0) {
            tokens.consumeIgnoringRateLimits(-difference);
        }
    }

    /** The limit in force: the lower of the configured and the announced one (0 = none known). */
    long limit(String provider, String model, String kind) {
        long set = configured.limit(provider, model, kind);
        long announced = learned.getOrDefault(provider + "/" + model + "/" + kind, 0L);
        return set > 0 && announced > 0 ? Math.min(set, announced) : Math.max(set, announced);
    }

    /** A bucket for the limit in force, reconfigured when the limit changed; null when no limit is known. */
    private Bucket bucket(RealtimeCall c, String kind) {
        long limit = limit(c.provider(), c.model(), kind);
        if (limit <= 0) {
            return null;
        }
        String key = key(c, kind);
        BucketConfiguration config = configuration(limit, period);
        Bucket bucket = buckets.builder().build(key, () -> config);
        Long before = applied.put(key, limit);
        if (before != null && before != limit) {
            bucket.replaceConfiguration(config, TokensInheritanceStrategy.AS_IS);
        }
        return bucket;
    }

    /**
     * A burst of a sixtieth of the limit and the rest refilled over the period, stretched by 2 % so that the few
     * milliseconds a call takes to arrive never put one more into the provider's minute than it allows.
     */
    static BucketConfiguration configuration(long limit, Duration period) {
        long burst = Math.max(1, limit / 60);
        return BucketConfiguration.builder().addLimit(Bandwidth.builder().capacity(burst)
                .refillGreedy(Math.max(1, limit - burst), period.plus(period.dividedBy(50))).build()).build();
    }

    private static String key(RealtimeCall c, String kind) {
        return c.provider() + "/" + c.model() + "/" + kind;
    }
}
