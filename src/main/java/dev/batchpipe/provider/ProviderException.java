package dev.batchpipe.provider;

import java.time.Duration;
import java.util.Optional;

/**
 * A provider call that failed. {@code retryable}: the same call may succeed later (429, 5xx, dropped connection);
 * otherwise the request itself was refused. Messages never contain API keys.
 */
public class ProviderException extends RuntimeException {

    private final int status;
    private final String code;
    private final boolean retryable;
    private final Duration retryAfter;

    public ProviderException(int status, String code, String message, boolean retryable, Throwable cause) {
        this(status, code, message, retryable, cause, null);
    }

    private ProviderException(int status, String code, String message, boolean retryable, Throwable cause,
                              Duration retryAfter) {
        super(message, cause);
        this.status = status;
        this.code = code;
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    public ProviderException(int status, String code, String message, boolean retryable) {
        this(status, code, message, retryable, null);
    }

    /** An error answer of a provider: retryable for 408, 429 and 5xx; a long message is cut. */
    public static ProviderException ofResponse(int status, String code, String message) {
        String text = message == null ? "" : message.length() > 500 ? message.substring(0, 500) + "…" : message;
        return new ProviderException(status, code, "HTTP " + status + (code == null ? "" : " " + code) + ": " + text,
                status == 408 || status == 429 || status >= 500);
    }

    /** The same failure, with the wait the provider announced (Retry-After). */
    public ProviderException withRetryAfter(Duration wait) {
        return new ProviderException(status, code, getMessage(), retryable, getCause(), wait);
    }

    /** The same failure with another message (credentials masked), keeping everything else. */
    ProviderException withMessage(String message) {
        return new ProviderException(status, code, message, retryable, getCause(), retryAfter);
    }

    /**
     * How long the provider asked us to wait before calling again (its Retry-After), when it said. A wait longer than
     * the configured retry delay is not waited for in a thread: the call fails at once and the caller schedules it.
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /** The provider's error code or type (e.g. rate_limit_error, token_limit_exceeded), when it gave one. */
    public String code() {
        return code;
    }

    public boolean retryable() {
        return retryable;
    }

    public boolean notFound() {
        return status == 404;
    }

    /**
     * The account's quota is full (a 429, or OpenAI's and Gemini's quota codes): what was refused waits for quota
     * without consuming attempts.
     */
    public boolean quotaRefused() {
        return status == 429 || isQuotaCode(code);
    }

    /** The provider refused our credentials: the account's problem, not the requests'. */
    public boolean credentialsRefused() {
        return status == 401 || status == 403;
    }

    /** Whether a provider error code (also one a failed batch reports) means the quota is full. */
    public static boolean isQuotaCode(String code) {
        return "token_limit_exceeded".equals(code) || "RESOURCE_EXHAUSTED".equals(code);
    }
}
