package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.fetch.ArticleExtractor;
import dev.batchpipe.fetch.FetchFailed;
import dev.batchpipe.fetch.PageFetch;
import dev.batchpipe.fetch.UrlGuard;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The lines of a URL list ({@code process --fetch}, an inbox file named {@code *.urls}, {@code POST ?fetch=true}), and
 * what each becomes: a text file of URLs, one per line ({@code #} starts a comment line), whose id is the URL itself;
 * or JSON {@code {"id", "url"}} records (JSON Lines or an array; also CSV with those columns). After its page is
 * fetched, a line becomes the article {@code {id, title, contents}} the task takes, or a rejected line with the
 * reason.
 */
public final class UrlRecords {

    /** Longer than any URL a browser would follow; a longer line is rejected without being held. */
    static final int MAX_LINE_CHARS = 8192;

    private UrlRecords() {
    }

    /** A reader of the list: JSON or CSV records when the file is one, else one URL per line. */
    public static RecordReader open(Path file, int maxRecordBytes) throws IOException {
        boolean csvByName = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
        if (RecordReader.detect(file) != RecordReader.Format.CSV || csvByName) {
            return RecordReader.open(file, maxRecordBytes);
        }
        return new UrlLines(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
    }

    /** A line as it will be fetched, {@code {id, url}} with an http(s) URL; or why it cannot be. */
    public static InputRecord check(InputRecord record) {
        if (!(record instanceof InputRecord.Parsed p)) {
            return record;
        }
        JsonNode url = p.value().get("url");
        if (url == null || !url.isTextual() || url.asText().isBlank()) {
            return new InputRecord.Bad(p.line(), "no url: a URL list holds one URL per line, or records {\"id\", \"url\"}",
                    p.value().toString());
        }
        JsonNode id = p.value().get("id");
        if (id != null && !id.isNull() && !(id.isTextual() && !id.asText().isBlank())) {
            return new InputRecord.Bad(p.line(), "id must be a non-empty string", p.value().toString());
        }
        try {
            String target = UrlGuard.fetchable(url.asText()).toString();
            ObjectNode line = RecordReader.JSON.createObjectNode()
                    .put("id", id == null || id.isNull() ? url.asText().strip() : id.asText())
                    .put("url", target);
            return new InputRecord.Parsed(p.line(), line);
        } catch (FetchFailed e) {
            return new InputRecord.Bad(p.line(), e.getMessage(), url.asText());
        }
    }

    /** The fetch of a checked line's page. */
    public static PageFetch page(InputRecord.Parsed line) {
        return new PageFetch(java.net.URI.create(line.value().get("url").asText()));
    }

    /** The article fetched for a line, as the task's input. */
    public static InputRecord article(InputRecord.Parsed line, ArticleExtractor.Article article) {
        return new InputRecord.Parsed(line.line(), RecordReader.JSON.createObjectNode()
                .put("id", line.value().get("id").asText())
                .put("title", article.title())
                .put("contents", article.text()));
    }

    /** A line whose page could not be fetched (or held no article), with the HTTP status or the cause. */
    public static InputRecord failed(InputRecord.Parsed line, Exception failure) {
        return new InputRecord.Bad(line.line(), "fetching " + line.value().get("url").asText() + " failed: "
                + PageFetch.reason(failure), line.value().toString());
    }

    /** One URL per line; blank lines and lines starting with {@code #} are skipped (but counted). */
    static final class UrlLines extends RecordReader {
        private final InputStream in;
        private final Reader reader;
        private long line;
        private boolean broken;

        UrlLines(InputStream in) throws IOException {
            this.in = in;
            this.reader = strictReader(in);
        }

        @Override
        protected InputRecord read() throws IOException {
            while (!broken) {
                StringBuilder text = new StringBuilder();
                boolean tooLong = false;
                int c;
                try {
                    while ((c = reader.read()) != -1 && c != '\n') {
                        if (text.length() < MAX_LINE_CHARS) {
                            text.append((char) c);
                        } else {
                            tooLong = true;
                        }
                    }
                } catch (CharacterCodingException e) {
                    broken = true;
                    return new InputRecord.Bad(line + 1, "invalid UTF-8; the rest of the file could not be read", null);
                }
                if (c == -1 && text.isEmpty() && !tooLong) {
                    return null;
                }
                line++;
                if (tooLong) {
                    return new InputRecord.Bad(line, "line longer than " + MAX_LINE_CHARS + " characters", null);
                }
                String url = text.toString().strip();
                if (!url.isEmpty() && !url.startsWith("#")) {
                    return new InputRecord.Parsed(line, JSON.createObjectNode().put("url", url));
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            reader.close();
            in.close();
        }
    }
}
