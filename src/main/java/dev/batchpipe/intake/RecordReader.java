package dev.batchpipe.intake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Streams the records of an input file (JSON Lines, a JSON array, or CSV with a header), one at a time, so heap use
 * does not grow with the file. A line that cannot be read becomes an {@link InputRecord.Bad} naming the line and the
 * reason; reading goes on with the next line wherever the format allows it (JSON Lines always; CSV and JSON arrays
 * stop at the first structural error, reporting it).
 */
public abstract class RecordReader implements Iterator<InputRecord>, Closeable {

    public enum Format { JSONL, JSON_ARRAY, CSV }

    static final ObjectMapper JSON = new ObjectMapper();

    private InputRecord next;
    private boolean done;
    private long after;

    /** Opens a file, choosing the format by extension and, when that is ambiguous, by the first character. */
    public static RecordReader open(Path file, int maxRecordBytes) throws IOException {
        Format format = detect(file);
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            return switch (format) {
                case JSONL -> new JsonLines(in, maxRecordBytes);
                case JSON_ARRAY -> new JsonArray(in);
                case CSV -> new Csv(in);
            };
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Skips the records up to and including line {@code line}: a file resumed after a crash. */
    public RecordReader after(long line) {
        this.after = line;
        return this;
    }

    public static Format detect(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        int first = firstSignificantByte(file);
        if (name.endsWith(".csv")) {
            return Format.CSV;
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return Format.JSONL;
        }
        if (first == '[') {
            return Format.JSON_ARRAY;
        }
        if (first == '{' || first == -1) {
            return Format.JSONL;
        }
        if (name.endsWith(".json")) {
            return Format.JSONL; // reports "not a JSON object" per line, which is what such a file deserves
        }
        return Format.CSV;
    }

    private static int firstSignificantByte(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            int pos = 0;
            int b;
            while ((b = in.read()) != -1) {
                boolean bom = pos < 3 && (b == 0xEF || b == 0xBB || b == 0xBF);
                pos++;
                if (!bom && !Character.isWhitespace(b)) {
                    return b;
                }
            }
            return -1;
        }
    }

    /** Reads the next record, or returns null at the end. */
    protected abstract InputRecord read() throws IOException;

    @Override
    public boolean hasNext() {
        while (next == null && !done) {
            try {
                next = read();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            done = next == null;
            if (next != null && next.line() <= after) {
                next = null;
            }
        }
        return next != null;
    }

    @Override
    public InputRecord next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        InputRecord r = next;
        next = null;
        return r;
    }

    static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    static Reader strictReader(InputStream in) throws IOException {
        skipBom(in);
        return new InputStreamReader(in, strictUtf8());
    }

    static void skipBom(InputStream in) throws IOException {
        in.mark(3);
        if (!(in.read() == 0xEF && in.read() == 0xBB && in.read() == 0xBF)) {
            in.reset();
        }
    }

    static InputRecord parsedObject(long line, JsonNode node, String text) {
        if (node instanceof ObjectNode obj) {
            return new InputRecord.Parsed(line, obj);
        }
        return new InputRecord.Bad(line, "expected a JSON object, got " + describe(node), text);
    }

    private static String describe(JsonNode node) {
        return node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    static String jsonError(JsonProcessingException e) {
        return "malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse("");
    }

    /** One JSON object per line; each line is decoded and parsed on its own, so one bad line spoils nothing else. */
    static final class JsonLines extends RecordReader {
        private final InputStream in;
        private final int maxBytes;
        private final byte[] chunk = new byte[1 << 16];
        private int pos;
        private int limit;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream(8192);
        private long line;

        JsonLines(InputStream in, int maxBytes) throws IOException {
            this.in = in;
            this.maxBytes = maxBytes;
            skipBom(in);
        }

        @Override
        protected InputRecord read() throws IOException {
            while (true) {
                buf.reset();
                boolean tooLong = false;
                boolean eof = false;
                boolean newline = false;
                while (!newline) {
                    if (pos == limit) {
                        limit = in.read(chunk);
                        pos = 0;
                        if (limit <= 0) {
                            limit = 0;
                            eof = true;
                            break;
                        }
                    }
                    int start = pos;
                    while (pos < limit && chunk[pos] != '\n') {
                        pos++;
                    }
                    int len = pos - start;
                    if (buf.size() + len <= maxBytes) {
                        buf.write(chunk, start, len);
                    } else {
                        tooLong = true;
                    }
                    if (pos < limit) {
                        pos++; // the newline
                        newline = true;
                    }
                }
                if (eof && buf.size() == 0 && !tooLong) {
                    return null;
                }
                line++;
                if (tooLong) {
                    return new InputRecord.Bad(line, "record larger than " + maxBytes + " bytes", null);
                }
                String text;
                try {
                    text = strictUtf8().decode(ByteBuffer.wrap(buf.toByteArray())).toString();
                } catch (CharacterCodingException e) {
                    return new InputRecord.Bad(line, "invalid UTF-8", null);
                }
                if (text.isBlank()) {
                    continue;
                }
                try {
                    return parsedObject(line, JSON.readTree(text), text);
                } catch (JsonProcessingException e) {
                    return new InputRecord.Bad(line, jsonError(e), text);
                }
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** A top-level JSON array read element by element with Jackson's streaming parser. */
    static final class JsonArray extends RecordReader {
        private final JsonParser parser;
        private boolean started;
        private boolean broken;

        JsonArray(InputStream in) throws IOException {
            parser = new JsonFactory(JSON).createParser(strictReader(in));
        }

        @Override
        protected InputRecord read() throws IOException {
            if (broken) {
                return null;
            }
            long line = parser.currentLocation().getLineNr();
            try {
                if (!started) {
                    started = true;
                    if (parser.nextToken() != JsonToken.START_ARRAY) {
                        broken = true;
                        return new InputRecord.Bad(1, "expected a JSON array of objects", null);
                    }
                }
                JsonToken t = parser.nextToken();
                line = parser.currentTokenLocation().getLineNr();
                if (t == JsonToken.END_ARRAY || t == null) {
                    return null;
                }
                JsonNode node = parser.readValueAsTree();
                return parsedObject(line, node, node == null ? null : node.toString());
            } catch (JsonProcessingException e) {
                broken = true;
                return new InputRecord.Bad(Math.max(1, e.getLocation() == null ? line : e.getLocation().getLineNr()),
                        jsonError(e) + "; the rest of the file could not be read", null);
            } catch (CharacterCodingException e) {
                broken = true;
                return new InputRecord.Bad(Math.max(1, parser.currentLocation().getLineNr()),
                        "invalid UTF-8; the rest of the file could not be read", null);
            }
        }

        @Override
        public void close() throws IOException {
            parser.close();
        }
    }

    /**
     * CSV with a header row (RFC 4180: quoted fields may contain commas, quotes and newlines). A header that cannot be
     * read (not UTF-8 text, a name twice) is the one record of the file: nothing after it can be read either.
     */
    static final class Csv extends RecordReader {
        private final InputStream in;
        private final CSVParser parser;
        private final Iterator<CSVRecord> records;
        private final int columns;
        private InputRecord headerProblem;
        private long lastLine;
        private boolean broken;

        Csv(InputStream in) {
            this.in = in;
            CSVFormat format = CSVFormat.RFC4180.builder()
                    .setHeader().setSkipHeaderRecord(true)
                    .setIgnoreEmptyLines(true)
                    .setTrim(true)
                    .setLenientEof(true)
                    .setTrailingData(true)
                    .get();
            CSVParser opened = null;
            try {
                opened = CSVParser.builder().setReader(strictReader(in)).setFormat(format).get();
            } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException e) {
                headerProblem = new InputRecord.Bad(1, (isEncodingError(e) ? "invalid UTF-8"
                        : "unreadable CSV header: " + rootMessage(e)) + "; the file could not be read", null);
            }
            parser = opened;
            columns = opened == null ? 0 : opened.getHeaderNames().size();
            records = opened == null ? null : opened.iterator();
            lastLine = opened == null ? 1 : opened.getCurrentLineNumber();
        }

        @Override
        protected InputRecord read() {
            if (headerProblem != null) {
                InputRecord r = headerProblem;
                headerProblem = null;
                broken = true;
                return r;
            }
            if (broken) {
                return null;
            }
            long start = lastLine + 1;
            try {
                if (!records.hasNext()) {
                    return null;
                }
                CSVRecord r = records.next();
                lastLine = parser.getCurrentLineNumber();
                if (r.size() != columns) {
                    String span = lastLine > start ? " (the record runs to line " + lastLine + ": is a quote left open?)" : "";
                    return new InputRecord.Bad(start, "expected " + columns + " columns (as in the header), got " + r.size()
                            + span, String.join(",", r.values()));
                }
                ObjectNode obj = JSON.createObjectNode();
                parser.getHeaderNames().forEach(h -> obj.put(h, r.get(h)));
                return new InputRecord.Parsed(start, obj);
            } catch (UncheckedIOException | IllegalStateException e) {
                broken = true;
                String reason = isEncodingError(e) ? "invalid UTF-8" : "malformed CSV: " + rootMessage(e);
                return new InputRecord.Bad(Math.max(start, parser.getCurrentLineNumber()),
                        reason + "; the rest of the file could not be read", null);
            }
        }

        private static boolean isEncodingError(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof CharacterCodingException) {
                    return true;
                }
            }
            return false;
        }

        private static String rootMessage(Throwable e) {
            Throwable t = e;
            while (t.getCause() != null) {
                t = t.getCause();
            }
            return t.getMessage();
        }

        @Override
        public void close() throws IOException {
            if (parser != null) {
                parser.close();
            }
            in.close();
        }
    }
}
