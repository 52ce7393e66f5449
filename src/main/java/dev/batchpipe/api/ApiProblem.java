package dev.batchpipe.api;

import java.util.Map;

/**
 * A call the API refuses, with the reason. The api-errors route configuration answers it as an RFC 9457 problem
 * ({@code application/problem+json}) instead of a 500 with a stack trace in the log.
 */
public final class ApiProblem extends RuntimeException {

    public static final String MEDIA_TYPE = "application/problem+json";

    private static final Map<Integer, String> TITLES = Map.ofEntries(Map.entry(400, "Bad Request"),
            Map.entry(401, "Unauthorized"), Map.entry(404, "Not Found"), Map.entry(408, "Request Timeout"),
            Map.entry(409, "Conflict"), Map.entry(413, "Content Too Large"), Map.entry(414, "URI Too Long"),
            Map.entry(415, "Unsupported Media Type"), Map.entry(429, "Too Many Requests"),
            Map.entry(431, "Request Header Fields Too Large"), Map.entry(500, "Internal Server Error"));

    private final int status;

    public ApiProblem(int status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    /** The body of a problem answer: {@code type} is about:blank, so {@code title} is the status's own phrase. */
    public record Body(String type, String title, int status, String detail) {
    }

    public int status() {
        return status;
    }

    public Body body() {
        return new Body("about:blank", TITLES.getOrDefault(status, "Error"), status, getMessage());
    }

    /**
     * The problem to answer for a failed call: the ApiProblem in the cause chain (Camel wraps what a bean throws from
     * an expression), else a 500 whose details are in the log, not the answer.
     */
    public static Body answerTo(Throwable failure) {
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof ApiProblem problem) {
                return problem.body();
            }
        }
        return new ApiProblem(500, "batchpipe failed to answer; the service log says why").body();
    }

    /** A query or path parameter that must be a whole number, or null when absent. */
    public static Long number(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new ApiProblem(400, name + " must be a whole number");
        }
    }
}
