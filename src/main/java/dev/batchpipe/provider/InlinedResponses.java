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
import java.util.NoSuchElementException;
import java.util.function.Function;

/**
 * The answers of a finished inline Gemini batch, read one at a time from its Operation
 * ({@code response.inlinedResponses.inlinedResponses[]}) as it streams in, so the rest of the Operation (and the
 * same answers repeated under {@code metadata.output}) are never held in memory.
 */
final class InlinedResponses implements BatchProvider.ResultStream {

    private static final JsonPointer RESPONSES = JsonPointer.compile("/response/inlinedResponses/inlinedResponses");

    private final InputStream in;
    private final JsonParser parser;
    private final Function<JsonNode, ResultLine> decoder;
    private boolean started;
    /** The array was read to its end (or the stream closed): never read on, the rest of the Operation is not ours. */
    private boolean exhausted;
    private ResultLine next;

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

    @Override
    public boolean hasNext() {
        try {
            if (next == null && !exhausted) {
                if (!started) {
                    started = true;
                    exhausted = parser.nextToken() != JsonToken.START_ARRAY; // no responses at all
                }
                if (!exhausted && parser.nextToken() == JsonToken.START_OBJECT) {
                    next = decoder.apply(parser.readValueAsTree());
                } else {
                    exhausted = true;
                }
            }
            return next != null;
        } catch (IOException e) {
            throw new UncheckedIOException("reading the batch's inline responses failed: " + e.getMessage(), e);
        }
    }

    @Override
    public ResultLine next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ResultLine r = next;
        next = null;
        return r;
    }

    @Override
    public void close() throws IOException {
        exhausted = true;
        parser.close();
        in.close();
    }
}
