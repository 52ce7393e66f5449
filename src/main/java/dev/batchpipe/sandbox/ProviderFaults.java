package dev.batchpipe.sandbox;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Fault and quota knobs of one provider. Every knob is off by default, can be changed at any time from any thread
 * (Java or {@code POST /sandbox/faults}), and takes effect on the next call or engine step. The per-batch knobs
 * ({@link #lineErrorProbability}, {@link #invalidAnswerFraction}, {@link #expireAfterFraction}) are captured when
 * a batch is created, so a batch keeps behaving the way it was set up, also across a restart.
 *
 * <p>HTTP faults (latency, drops, 429, 5xx) apply to the calls matched by {@link #target}: a regular expression over
 * {@code "METHOD /path"} such as {@code "POST /v1/batches"}, or every call of this provider when unset.
 */
@JsonAutoDetect(fieldVisibility = Visibility.NONE, getterVisibility = Visibility.NONE,
        isGetterVisibility = Visibility.NONE, setterVisibility = Visibility.NONE)
@JsonInclude(JsonInclude.Include.ALWAYS)
public final class ProviderFaults {

    private volatile double rateLimitProbability;
    private volatile double serverErrorProbability;
    private volatile int serverErrorStatus = 500;
    private volatile int retryAfterSeconds = 1;
    private volatile double dropProbability;
    private volatile double lostResponseProbability;
    private volatile long latencyMillis;
    private volatile Pattern target;
    private volatile double lineErrorProbability;
    private volatile double invalidAnswerFraction;
    private volatile Double expireAfterFraction;
    private volatile Long enqueuedTokenLimit;
    private final Map<String, Long> enqueuedTokenLimits = new ConcurrentHashMap<>();
    private volatile int realtimeRequestsPerMinute;
    private volatile long realtimeTokensPerMinute;
    private volatile int groupMissingIds;
    private volatile int groupInvalidIds;

    /** Back to "no faults, no quotas". */
    public synchronized ProviderFaults reset() {
        rateLimitProbability = 0;
        serverErrorProbability = 0;
        serverErrorStatus = 500;
        retryAfterSeconds = 1;
        dropProbability = 0;
        lostResponseProbability = 0;
        latencyMillis = 0;
        target = null;
        lineErrorProbability = 0;
        invalidAnswerFraction = 0;
        expireAfterFraction = null;
        enqueuedTokenLimit = null;
        enqueuedTokenLimits.clear();
        realtimeRequestsPerMinute = 0;
        realtimeTokensPerMinute = 0;
        groupMissingIds = 0;
        groupInvalidIds = 0;
        return this;
    }

    /** Probability that a targeted call is answered 429 with {@code Retry-After}. */
    @JsonProperty("rateLimitProbability")
    public double rateLimitProbability() {
        return rateLimitProbability;
    }

    @JsonProperty("rateLimitProbability")
    public ProviderFaults rateLimitProbability(double p) {
        rateLimitProbability = probability(p, "rateLimitProbability");
        return this;
    }

    /** Probability that a targeted call is answered with {@link #serverErrorStatus}. */
    @JsonProperty("serverErrorProbability")
    public double serverErrorProbability() {
        return serverErrorProbability;
    }

    @JsonProperty("serverErrorProbability")
    public ProviderFaults serverErrorProbability(double p) {
        serverErrorProbability = probability(p, "serverErrorProbability");
        return this;
    }

    /** Status of injected server errors: 500, 502, 503 or 529 (Anthropic's overloaded). */
    @JsonProperty("serverErrorStatus")
    public int serverErrorStatus() {
        return serverErrorStatus;
    }

    @JsonProperty("serverErrorStatus")
    public ProviderFaults serverErrorStatus(int status) {
        if (status != 500 && status != 502 && status != 503 && status != 529) {
            throw new IllegalArgumentException("serverErrorStatus must be 500, 502, 503 or 529");
        }
        serverErrorStatus = status;
        return this;
    }

    /** Seconds announced in {@code Retry-After} on injected 429s. */
    @JsonProperty("retryAfterSeconds")
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    @JsonProperty("retryAfterSeconds")
    public ProviderFaults retryAfterSeconds(int seconds) {
        if (seconds < 0) {
            throw new IllegalArgumentException("retryAfterSeconds must not be negative");
        }
        retryAfterSeconds = seconds;
        return this;
    }

    /** Probability that a targeted call's connection is closed without any response. */
    @JsonProperty("dropProbability")
    public double dropProbability() {
        return dropProbability;
    }

    @JsonProperty("dropProbability")
    public ProviderFaults dropProbability(double p) {
        dropProbability = probability(p, "dropProbability");
        return this;
    }

    /**
     * Probability that a targeted call is carried out (a batch created, a file stored) but its connection closes
     * before the answer: the client cannot tell whether it happened.
     */
    @JsonProperty("lostResponseProbability")
    public double lostResponseProbability() {
        return lostResponseProbability;
    }

    @JsonProperty("lostResponseProbability")
    public ProviderFaults lostResponseProbability(double p) {
        lostResponseProbability = probability(p, "lostResponseProbability");
        return this;
    }

    /** Real milliseconds added before a targeted call is handled. */
    @JsonProperty("latencyMillis")
    public long latencyMillis() {
        return latencyMillis;
    }

    @JsonProperty("latencyMillis")
    public ProviderFaults latencyMillis(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("latencyMillis must not be negative");
        }
        latencyMillis = millis;
        return this;
    }

    /** Regular expression over {@code "METHOD /path"} that HTTP faults are limited to; null = every call. */
    @JsonProperty("target")
    public String target() {
        Pattern p = target;
        return p == null ? null : p.pattern();
    }

    @JsonProperty("target")
    public ProviderFaults target(String regex) {
        target = regex == null || regex.isBlank() ? null : Pattern.compile(regex);
        return this;
    }

    /** Probability that a batch line fails (OpenAI error-file line with 500 or 400, Anthropic errored, Gemini error). */
    @JsonProperty("lineErrorProbability")
    public double lineErrorProbability() {
        return lineErrorProbability;
    }

    @JsonProperty("lineErrorProbability")
    public ProviderFaults lineErrorProbability(double p) {
        lineErrorProbability = probability(p, "lineErrorProbability");
        return this;
    }

    /** Fraction of structured batch answers that do NOT validate against the request's schema. */
    @JsonProperty("invalidAnswerFraction")
    public double invalidAnswerFraction() {
        return invalidAnswerFraction;
    }

    @JsonProperty("invalidAnswerFraction")
    public ProviderFaults invalidAnswerFraction(double fraction) {
        invalidAnswerFraction = probability(fraction, "invalidAnswerFraction");
        return this;
    }

    /** Batches expire as soon as this fraction of their lines is done (0.5 = half); null = only the window. */
    @JsonProperty("expireAfterFraction")
    public Double expireAfterFraction() {
        return expireAfterFraction;
    }

    @JsonProperty("expireAfterFraction")
    public ProviderFaults expireAfterFraction(Double fraction) {
        expireAfterFraction = fraction == null ? null : probability(fraction, "expireAfterFraction");
        return this;
    }

    /** Enqueued-token quota of every model without a limit of its own; null = unlimited. */
    @JsonProperty("enqueuedTokenLimit")
    public Long enqueuedTokenLimit() {
        return enqueuedTokenLimit;
    }

    @JsonProperty("enqueuedTokenLimit")
    public ProviderFaults enqueuedTokenLimit(Long tokens) {
        enqueuedTokenLimit = nonNegative(tokens, "enqueuedTokenLimit");
        return this;
    }

    /** Enqueued-token quota per model name (as the request names it, e.g. {@code gpt-4o-mini}). */
    @JsonProperty("enqueuedTokenLimits")
    public Map<String, Long> enqueuedTokenLimits() {
        return new TreeMap<>(enqueuedTokenLimits);
    }

    @JsonProperty("enqueuedTokenLimits")
    public synchronized ProviderFaults enqueuedTokenLimits(Map<String, Long> limits) {
        enqueuedTokenLimits.clear();
        limits.forEach(this::enqueuedTokenLimit);
        return this;
    }

    public ProviderFaults enqueuedTokenLimit(String model, long tokens) {
        enqueuedTokenLimits.put(model, nonNegative(tokens, "enqueuedTokenLimits." + model));
        return this;
    }

    /** The quota that applies to a model, or null when unlimited. */
    public Long enqueuedTokenLimitFor(String model) {
        Long own = enqueuedTokenLimits.get(model);
        return own != null ? own : enqueuedTokenLimit;
    }

    /** Realtime requests per (simulated) minute; 0 = unlimited. */
    @JsonProperty("realtimeRequestsPerMinute")
    public int realtimeRequestsPerMinute() {
        return realtimeRequestsPerMinute;
    }

    @JsonProperty("realtimeRequestsPerMinute")
    public ProviderFaults realtimeRequestsPerMinute(int rpm) {
        realtimeRequestsPerMinute = nonNegative((long) rpm, "realtimeRequestsPerMinute").intValue();
        return this;
    }

    /** Realtime estimated tokens per (simulated) minute; 0 = unlimited. */
    @JsonProperty("realtimeTokensPerMinute")
    public long realtimeTokensPerMinute() {
        return realtimeTokensPerMinute;
    }

    @JsonProperty("realtimeTokensPerMinute")
    public ProviderFaults realtimeTokensPerMinute(long tpm) {
        realtimeTokensPerMinute = nonNegative(tpm, "realtimeTokensPerMinute");
        return this;
    }

    /**
     * How many items a micro-batch answer leaves out: the first ones of its schema. A micro-batch answer is a structured
     * answer whose schema is an object of at least two properties, all required and all with the same schema (one
     * answer per item id).
     */
    @JsonProperty("groupMissingIds")
    public int groupMissingIds() {
        return groupMissingIds;
    }

    @JsonProperty("groupMissingIds")
    public ProviderFaults groupMissingIds(int ids) {
        groupMissingIds = nonNegative((long) ids, "groupMissingIds").intValue();
        return this;
    }

    /** How many items of a micro-batch answer, after the missing ones, get an answer that violates their schema. */
    @JsonProperty("groupInvalidIds")
    public int groupInvalidIds() {
        return groupInvalidIds;
    }

    @JsonProperty("groupInvalidIds")
    public ProviderFaults groupInvalidIds(int ids) {
        groupInvalidIds = nonNegative((long) ids, "groupInvalidIds").intValue();
        return this;
    }

    /** Whether HTTP faults apply to this call. */
    boolean targets(String method, String path) {
        Pattern p = target;
        return p == null || p.matcher(method + " " + path).matches();
    }

    private static double probability(double p, String name) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1");
        }
        return p;
    }

    private static Long nonNegative(Long value, String name) {
        if (value != null && value < 0) {
            throw new IllegalArgumentException(name + " must not be negative");
        }
        return value;
    }
}
