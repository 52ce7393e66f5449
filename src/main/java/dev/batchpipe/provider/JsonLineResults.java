package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Result lines read from one or more JSONL downloads in sequence (e.g. OpenAI's output file, then its error file),
 * opening each only when the previous one is exhausted, so at most one connection is open and nothing is buffered.
 */
final class JsonLineResults extends ResultLines {

    private final Deque<Supplier<InputStream>> sources;
    private final Function<JsonNode, ResultLine> decoder;
    private BufferedReader current;

    JsonLineResults(List<Supplier<InputStream>> sources, Function<JsonNode, ResultLine> decoder) {
        this.sources = new ArrayDeque<>(sources);
        this.decoder = decoder;
    }

    @Override
    protected ResultLine read() throws IOException {
        while (true) {
            if (current == null) {
                if (sources.isEmpty()) {
                    return null;
                }
                current = new BufferedReader(new InputStreamReader(sources.poll().get(), StandardCharsets.UTF_8));
            }
            String line = current.readLine();
            if (line == null) {
                current.close();
                current = null;
            } else if (!line.isBlank()) {
                return decoder.apply(ProviderHttp.JSON.readTree(line));
            }
        }
    }

    @Override
    protected void release() throws IOException {
        if (current != null) {
            current.close();
        }
    }
}
