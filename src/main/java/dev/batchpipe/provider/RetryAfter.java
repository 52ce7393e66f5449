package dev.batchpipe.provider;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.apache.camel.Header;

/** A provider's {@code Retry-After} header: seconds (OpenAI, Anthropic send these) or an HTTP date. */
public final class RetryAfter {

    private RetryAfter() {
    }

    static Optional<Duration> parse(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Duration.ofMillis((long) (Double.parseDouble(value.trim()) * 1000)));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(Instant.now(),
                        ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (DateTimeParseException unreadable) {
                return Optional.empty();
            }
        }
    }

    /** The wait in milliseconds for Camel's redelivery ({@code CamelRedeliveryDelay}); null leaves the back-off. */
    public static Long millis(@Header("Retry-After") String value) {
        return parse(value).map(Duration::toMillis).orElse(null);
    }
}
