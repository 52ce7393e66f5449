package dev.batchpipe.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * How the API writes JSON: snake_case field names, instants as ISO-8601 text, and decimals (costs) as plain numbers
 * ({@code 0.00000000}, never {@code 0E-8}). The Rest DSL binding and the routes' marshal steps use this mapper (bean {@code apiJson}).
 */
public final class ApiJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private ApiJson() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
