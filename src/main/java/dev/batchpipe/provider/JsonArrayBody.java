package dev.batchpipe.provider;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * A JSON request body whose array elements are the lines of a JSONL file: {@code prefix + item(line 1) + "," + …
 * + suffix}. It is read from disk as it is sent, one line at a time, so a batch that travels inline in its create
 * call (Anthropic's up to 256 MB, Gemini's small ones) is never held in memory.
 */
final class JsonArrayBody extends InputStream {

    private final BufferedReader lines;
    private final UnaryOperator<String> item;
    private final byte[] suffix;
    private byte[] chunk;
    private int pos;
    private boolean first = true;
    private boolean done;

    private JsonArrayBody(BufferedReader lines, String prefix, UnaryOperator<String> item, String suffix) {
        this.lines = lines;
        this.item = item;
        this.chunk = prefix.getBytes(StandardCharsets.UTF_8);
        this.suffix = suffix.getBytes(StandardCharsets.UTF_8);
    }

    /** A JSON request body (chunked: its length is only known once sent) that reads the file anew for every attempt. */
    static AbstractHttpEntity of(Path jsonl, String prefix, UnaryOperator<String> item, String suffix) {
        return new AbstractHttpEntity(HttpBatchProvider.JSON_CONTENT, null, true) {
            @Override
            public InputStream getContent() {
                try {
                    return new JsonArrayBody(Files.newBufferedReader(jsonl, StandardCharsets.UTF_8), prefix, item, suffix);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read batch file " + jsonl + ": " + e.getMessage(), e);
                }
            }

            @Override
            public boolean isRepeatable() {
                return true;
            }

            @Override
            public long getContentLength() {
                return -1;
            }

            @Override
            public boolean isStreaming() {
                return false;
            }

            @Override
            public void close() {
                // each getContent() is its own reader, closed once written
            }
        };
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (pos == chunk.length) {
            if (!nextChunk()) {
                return -1;
            }
        }
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        return n;
    }

    private boolean nextChunk() throws IOException {
        if (done) {
            return false;
        }
        String line;
        do {
            line = lines.readLine();
        } while (line != null && line.isBlank());
        if (line == null) {
            chunk = suffix;
            done = true;
        } else {
            chunk = ((first ? "" : ",") + item.apply(line)).getBytes(StandardCharsets.UTF_8);
            first = false;
        }
        pos = 0;
        return true;
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
