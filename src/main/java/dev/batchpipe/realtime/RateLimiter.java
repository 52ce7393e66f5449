package dev.batchpipe.realtime;

import dev.batchpipe.provider.ProviderException;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 *
 * <p>A 429 means the limit in force is too high for the account now (another client shares it, or the provider lowered
 * it): the limits of that provider and model are multiplied by {@link Backoff#decrease()} (at most once a
 * {@link Backoff#cooldown()}, so a burst of 429s from calls already in flight counts once), and grow back by
 * {@link Backoff#increase()} of the limit per period without one (additive increase, multiplicative decrease). Every
 * caller of the bucket also waits the 429's Retry-After: it is taken from the requests bucket.
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
    private final Map<String, Lowered> lowered = new ConcurrentHashMap<>();
    private final Backoff backoff;
    private final Clock clock;

    /**
     * How a 429 slows the calls: {@code decrease}, the factor a 429 multiplies the rate by (0.5); {@code increase}, the
     * share of the limit the rate grows back by per period (0.1); {@code floor}, the lowest share (0.05);
     * {@code cooldown}, how long after one decrease further 429s are taken as the same one; {@code defaultWait}, the wait of
     * a 429 that names no Retry-After.
     */
    public record Backoff(double decrease, double increase, double floor, Duration cooldown, Duration defaultWait) {
    }

    /** The share of a limit in force after a 429, since when. */
    private record Lowered(double share, Instant at) {
    }

    public RateLimiter(DataSource dataSource, Configured configured, Duration period, Backoff backoff, Clock clock) {
        this.buckets = new PostgreSQLSelectForUpdateBasedProxyManager<>(SQLProxyConfiguration.builder()
                .withTableSettings(BucketTableSettings.customSettings("rate_buckets", "id", "state"))
                .withPrimaryKeyMapper(PrimaryKeyMapper.STRING).build(dataSource));
        this.configured = configured;
        this.period = period;
        this.backoff = backoff;
        this.clock = clock;
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

    /**
     * A 429 for this call: its provider and model's limits are lowered (once per cooldown), and the requests bucket
     * is charged the Retry-After, so every caller waits it. Without a known limit there is no rate to lower: the
     * refused request alone waits (RealtimeWriter puts it back without an attempt).
     */
    public void throttled(RealtimeCall c, ProviderException refusal) {
        Instant now = clock.instant();
        String key = c.provider() + "/" + c.model();
        double before = share(key, now);
        Lowered latest = lowered.get(key);
        if (latest != null && Duration.between(latest.at(), now).compareTo(backoff.cooldown()) < 0) {
            return;
        }
        lowered.put(key, new Lowered(Math.max(backoff.floor(), before * backoff.decrease()), now));
        Bucket requests = bucket(c, "rpm");
        if (requests != null) {
            Duration wait = refusal.retryAfter().orElse(backoff.defaultWait());
            long owed = (long) Math.ceil((double) limit(c.provider(), c.model(), "rpm") * wait.toMillis() / period.toMillis());
            requests.consumeIgnoringRateLimits(Math.max(1, owed));
        }
    }

    /**
     * The limit in force: the lower of the configured and the announced one (0 = none known), times the share a 429
     * left of it.
     */
    long limit(String provider, String model, String kind) {
        long set = configured.limit(provider, model, kind);
        long announced = learned.getOrDefault(provider + "/" + model + "/" + kind, 0L);
        long limit = set > 0 && announced > 0 ? Math.min(set, announced) : Math.max(set, announced);
        return limit == 0 ? 0 : Math.max(1, (long) (limit * share(provider + "/" + model, clock.instant())));
    }

    /**
     * The share of its limit a provider and model may use: 1, or after a 429 the lowered share grown back by the
     * increase per period since, in steps of 5 % (so the buckets are reconfigured a few times while it recovers, not
     * on every call).
     */
    double share(String key, Instant now) {
        Lowered l = lowered.get(key);
        if (l == null) {
            return 1;
        }
        double periods = (double) Duration.between(l.at(), now).toMillis() / period.toMillis();
        double share = l.share() + backoff.increase() * periods;
        if (share >= 1) {
            lowered.remove(key, l);
            return 1;
        }
        return Math.max(backoff.floor(), Math.floor(share * 20) / 20);
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
