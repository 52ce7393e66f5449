package dev.batchpipe.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads a JSONL file line by line as bytes and knows the byte offset after each line, so the engine can persist
 * where it stopped and continue there after a restart. Blank lines are skipped. Only one line is held at a time.
 */
final class LineReader implements Closeable {

    private final InputStream in;
    private final byte[] chunk = new byte[1 << 16];
    private int pos;
    private int limit;
    private long offset;

    LineReader(Path file, long offset) throws IOException {
        this.in = Files.newInputStream(file);
        long skipped = 0;
        while (skipped < offset) {
            long n = in.skip(offset - skipped);
            if (n <= 0) {
                break;
            }
            skipped += n;
        }
        this.offset = skipped;
    }

    /** The next non-blank line without its line break, or null at the end. */
    byte[] next() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        while (true) {
            if (pos == limit) {
                limit = in.read(chunk);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    byte[] last = trimmed(line.toByteArray());
                    return last.length > 0 ? last : null;
                }
            }
            int start = pos;
            while (pos < limit && chunk[pos] != '\n') {
                pos++;
            }
            line.write(chunk, start, pos - start);
            offset += pos - start;
            if (pos < limit) {
                pos++;
                offset++;
                byte[] bytes = trimmed(line.toByteArray());
                if (bytes.length > 0) {
                    return bytes;
                }
                line.reset();
            }
        }
    }

    private static byte[] trimmed(byte[] b) {
        int len = b.length;
        while (len > 0 && (b[len - 1] == '\r' || b[len - 1] == ' ' || b[len - 1] == '\t')) {
            len--;
        }
        return len == b.length ? b : Arrays.copyOf(b, len);
    }

    /** Byte offset just after the last line returned. */
    long offset() {
        return offset;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
