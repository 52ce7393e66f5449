package dev.batchpipe.fetch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.hc.core5.http.io.EofSensorInputStream;

/**
 * Reads camel-http's answer to one hop of a {@link PageFetch}: a redirect becomes the next hop, a 2xx HTML page is
 * read up to the size cap and within the time limit, anything else fails with its status. A body that is not read to
 * its end (an error page, a redirect's, one over the cap) is cut off, never drained: the connection is dropped.
 */
public final class PageAnswers {

    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final Set<String> HTML = Set.of("text/html", "application/xhtml+xml");

    private final int maxBytes;
    private final int maxRedirects;
    private final Duration timeout;

    public PageAnswers(int maxBytes, int maxRedirects, Duration timeout) {
        this.maxBytes = maxBytes;
        this.maxRedirects = maxRedirects;
        this.timeout = timeout;
    }

    /**
     * Whether this hop was a redirect (then the next hop is on {@code page}); an answer other than a redirect or a
     * 2xx fails the fetch with its status.
     */
    static boolean redirected(PageFetch page, Message answer, int status, int maxRedirects) throws FetchFailed {
        if (REDIRECTS.contains(status)) {
            String location = answer.getHeader("Location", String.class);
            if (location == null) {
                throw new FetchFailed("HTTP " + status + " redirect without a Location");
            }
            page.redirect(location, maxRedirects);
            return true;
        }
        if (status < 200 || status > 299) {
            String text = answer.getHeader(Exchange.HTTP_RESPONSE_TEXT, String.class);
            throw new FetchFailed("HTTP " + status + (text == null || text.isBlank() ? "" : " " + text.strip()));
        }
        return false;
    }

    public void read(PageFetch page, Exchange exchange) throws IOException {
        Message answer = exchange.getMessage();
        int status = answer.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        InputStream body = answer.getBody(InputStream.class);
        boolean complete = false;
        try {
            if (redirected(page, answer, status, maxRedirects)) {
                return;
            }
            String type = answer.getHeader(Exchange.CONTENT_TYPE, String.class);
            String mediaType = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!HTML.contains(mediaType)) {
                throw new FetchFailed("not an HTML page (Content-Type " + (type == null ? "none" : type) + ")");
            }
            Long length = answer.getHeader(Exchange.CONTENT_LENGTH, Long.class);
            if (length != null && length > maxBytes) {
                throw new FetchFailed("page larger than " + maxBytes + " bytes (Content-Length " + length + ")");
            }
            page.answered(readCapped(body), type);
            complete = true;
        } finally {
            release(body, complete);
        }
    }

    private byte[] readCapped(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (in == null) {
            return out.toByteArray();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buffer = new byte[16384];
        int n;
        while ((n = in.read(buffer)) != -1) {
            if (out.size() + n > maxBytes) {
                throw new FetchFailed("page larger than " + maxBytes + " bytes");
            }
            out.write(buffer, 0, n);
            // a server trickling bytes stays under the read timeout of each read, not under this one
            if (System.nanoTime() > deadline) {
                throw new FetchFailed("timed out: the page took longer than " + timeout.toSeconds() + " s to arrive");
            }
        }
        return out.toByteArray();
    }

    /** Closing an unread HttpClient body would read it to its end; aborting drops the connection instead. */
    static void release(InputStream body, boolean complete) throws IOException {
        if (body == null) {
            return;
        }
        if (!complete && body instanceof EofSensorInputStream sensor) {
            sensor.abort();
        } else {
            body.close();
        }
    }
}
