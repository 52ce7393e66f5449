package dev.batchpipe.realtime;

import dev.batchpipe.provider.BatchRequest;
import dev.batchpipe.provider.GeminiBatchProvider;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.task.TokenEstimator;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gemini's explicit context caching, for realtime calls. A system prompt that every request of a template has alike
 * and that reaches the model's minimum cacheable size is sent to Gemini once, as a cached content, and each call names
 * it instead of sending it: its tokens are then billed at the cached rate. The cache is recorded in PostgreSQL
 * ({@code cached_contents}, by provider, model and shared-prefix digest), so a restart and every other instance name
 * the same one. One close to its expiry is replaced by a new one, and so is one that Gemini says is gone
 * ({@link #forget}). Batches do not use it (docs/architecture.md says why).
 */
public final class GeminiContextCache {

    private static final Logger LOG = LoggerFactory.getLogger(GeminiContextCache.class);
    /** A cache that expires sooner than this is not named any more: a call and its retries may take that long. */
    static final Duration SPARE = Duration.ofMinutes(1);

    /**
     * @param ttl              how long a new cache lives (at least twice {@link #SPARE}, or it would never be named)
     * @param minTokens        the fewest tokens worth caching, for a model without its own
     * @param minTokensByModel per model (its longest listed prefix): Gemini's minimum cacheable size
     */
    public record Settings(Duration ttl, int minTokens, Map<String, Integer> minTokensByModel) {
        public Settings {
            if (ttl.compareTo(SPARE.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("batchpipe.gemini.cached-content.ttl must be at least "
                        + SPARE.multipliedBy(2).toMinutes() + " minutes, got " + ttl);
            }
            minTokensByModel = Map.copyOf(minTokensByModel);
        }

        int minTokens(String model) {
            return minTokensByModel.entrySet().stream().filter(e -> model.startsWith(e.getKey()))
                    .max(Comparator.comparingInt(e -> e.getKey().length())).map(Map.Entry::getValue)
                    .orElse(minTokens);
        }
    }

    private final Jdbi jdbi;
    private final Providers providers;
    private final TokenEstimator tokens;
    private final Settings settings;
    private final Clock clock;
    /** Whether a shared prefix (model and digest) is long enough: counted once per template version. */
    private final Map<String, Boolean> worthIt = new ConcurrentHashMap<>();

    public GeminiContextCache(Jdbi jdbi, Providers providers, TokenEstimator tokens, Settings settings, Clock clock) {
        this.jdbi = jdbi;
        this.providers = providers;
        this.tokens = tokens;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * The request as {@code provider} should send it: naming a cached content that holds its system prompt when that
     * is Gemini's, shared whole by the template's requests and long enough; otherwise unchanged.
     */
    public BatchRequest use(String provider, BatchRequest r) {
        if (!(providers.get(provider) instanceof GeminiBatchProvider gemini) || r.embedding() || !r.systemShared()
                || !worthIt.computeIfAbsent(r.model() + "/" + r.sharedPrefixDigest(), k ->
                tokens.estimate(provider, r.model(), r.system()) >= settings.minTokens(r.model()))) {
            return r;
        }
        String digest = r.sharedPrefixDigest();
        Optional<String> recorded = jdbi.withHandle(h -> usable(h, provider, r.model(), digest));
        if (recorded.isPresent()) {
            return r.withCachedContent(recorded.get());
        }
        // one instance makes it while the others (and this one's other calls) wait for it: a lock per cache key
        return r.withCachedContent(jdbi.inTransaction(h -> {
            h.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
                    "cached_contents/" + provider + "/" + r.model() + "/" + digest);
            Optional<String> meanwhile = usable(h, provider, r.model(), digest);
            if (meanwhile.isPresent()) {
                return meanwhile.get();
            }
            GeminiBatchProvider.CachedContent created = gemini.createCachedContent(r.model(), r.system(),
                    settings.ttl());
            LOG.info("Gemini cached content {} holds the shared system prompt of {} for {} until {}", created.name(),
                    r.schemaName(), r.model(), created.expiresAt());
            h.createUpdate("INSERT INTO cached_contents (provider, model, prefix_digest, name, expires_at) "
                            + "VALUES (:p, :m, :d, :n, :e) ON CONFLICT (provider, model, prefix_digest) DO UPDATE "
                            + "SET name = excluded.name, expires_at = excluded.expires_at, created_at = now()")
                    .bind("p", provider).bind("m", r.model()).bind("d", digest).bind("n", created.name())
                    .bind("e", Timestamp.from(created.expiresAt())).execute();
            return created.name();
        }));
    }

    /** The recorded cache of the key, unless it expires within {@link #SPARE}. */
    private Optional<String> usable(org.jdbi.v3.core.Handle h, String provider, String model, String digest) {
        return h.createQuery("SELECT name FROM cached_contents WHERE provider = :p AND model = :m "
                        + "AND prefix_digest = :d AND expires_at > :usable")
                .bind("p", provider).bind("m", model).bind("d", digest)
                .bind("usable", Timestamp.from(clock.instant().plus(SPARE))).mapTo(String.class).findOne();
    }

    /** Gemini answered that the cache {@code r} names is gone (404 or 403): it is not named again. */
    public void forget(String provider, BatchRequest r) {
        LOG.info("Gemini no longer has cached content {}; a new one is made", r.cachedContent());
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM cached_contents WHERE provider = :p AND name = :n")
                .bind("p", provider).bind("n", r.cachedContent()).execute());
    }
}
