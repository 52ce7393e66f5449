package dev.batchpipe.sandbox;

/**
 * A failed call, thrown by any handler and rendered by the failure handler in the calling provider's own error
 * shape ({@code {"error":{…}}} for OpenAI and Gemini, {@code {"type":"error",…}} for Anthropic).
 */
final class ApiError extends RuntimeException {

    /** Provider-neutral error kinds with their HTTP status. */
    enum Kind {
        INVALID(400), UNAUTHENTICATED(401), FORBIDDEN(403), NOT_FOUND(404), TOO_LARGE(413), RATE_LIMITED(429),
        INTERNAL(500), BAD_GATEWAY(502), UNAVAILABLE(503), OVERLOADED(529);

        final int status;

        Kind(int status) {
            this.status = status;
        }

        static Kind ofStatus(int status) {
            for (Kind k : values()) {
                if (k.status == status) {
                    return k;
                }
            }
            return status >= 500 ? INTERNAL : INVALID;
        }
    }

    final Kind kind;
    /** OpenAI's {@code param}: the offending request field, or null. */
    final String param;
    /** OpenAI's {@code code}, e.g. {@code invalid_api_key}, or null. */
    final String code;
    /** Seconds for {@code Retry-After}, or -1 for none. */
    final int retryAfterSeconds;

    ApiError(Kind kind, String message) {
        this(kind, message, null, null, -1);
    }

    ApiError(Kind kind, String message, String param, String code, int retryAfterSeconds) {
        super(message, null, false, false);
        this.kind = kind;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiError invalid(String message) {
        return new ApiError(Kind.INVALID, message);
    }

    static ApiError invalid(String message, String param) {
        return new ApiError(Kind.INVALID, message, param, null, -1);
    }

    static ApiError notFound(String message) {
        return new ApiError(Kind.NOT_FOUND, message);
    }

    static ApiError tooLarge(String message) {
        return new ApiError(Kind.TOO_LARGE, message);
    }
}
