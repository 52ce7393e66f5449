package dev.batchpipe.provider;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.filter.FilteringParserDelegate;
import com.fasterxml.jackson.core.filter.JsonPointerBasedFilter;
import com.fasterxml.jackson.core.filter.TokenFilter;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Function;

/**
 * The answers of a finished inline Gemini batch, read one at a time from its Operation
 * ({@code response.inlinedResponses.inlinedResponses[]}) as it streams in, so the rest of the Operation (and the
 * same answers repeated under {@code metadata.output}) are never held in memory.
 */
final class InlinedResponses extends ResultLines {

    private static final JsonPointer RESPONSES = JsonPointer.compile("/response/inlinedResponses/inlinedResponses");

    private final InputStream in;
    private final JsonParser parser;
    private final Function<JsonNode, ResultLine> decoder;
    private boolean started;

    InlinedResponses(InputStream in, Function<JsonNode, ResultLine> decoder) {
        this.in = in;
        this.decoder = decoder;
        try {
            this.parser = new FilteringParserDelegate(ProviderHttp.JSON.createParser(in),
                    new JsonPointerBasedFilter(RESPONSES), TokenFilter.Inclusion.ONLY_INCLUDE_ALL, false);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the batch's inline responses failed: " + e.getMessage(), e);
        }
    }

    /** The next answer; null at the end of the array (then nothing more is read: the rest is not ours). */
    @Override
    protected ResultLine read() throws IOException {
        if (!started) {
            started = true;
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                return null; // no responses at all
            }
        }
        return parser.nextToken() == JsonToken.START_OBJECT ? decoder.apply(parser.readValueAsTree()) : null;
    }

    @Override
    protected void release() throws IOException {
        parser.close();
        in.close();
    }
}
