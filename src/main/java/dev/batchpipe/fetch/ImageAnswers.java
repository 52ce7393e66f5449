package dev.batchpipe.fetch;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Locale;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * Reads camel-http's answer to one hop of an image fetched from a URL, under the rules of URL intake
 * ({@link PageAnswers}): a redirect becomes the next hop, anything but a 2xx fails with its status, a body
 * announced larger than the cap is refused before it is read. A 2xx's body is handed on as a stream, to be copied
 * into the image spool (where its type is sniffed from its bytes and the cap applied again), within the time limit.
 */
public final class ImageAnswers {

    private final int maxRedirects;
    private final Duration timeout;

    public ImageAnswers(int maxRedirects, Duration timeout) {
        this.maxRedirects = maxRedirects;
        this.timeout = timeout;
    }

    /** The image's body when this hop answered it, or null after a redirect (the next hop is on {@code page}). */
    public InputStream read(PageFetch page, long maxBytes, Exchange exchange) throws IOException {
        Message answer = exchange.getMessage();
        int status = answer.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        InputStream body = answer.getBody(InputStream.class);
        boolean handedOn = false;
        try {
            if (PageAnswers.redirected(page, answer, status, maxRedirects)) {
                return null;
            }
            String type = answer.getHeader(Exchange.CONTENT_TYPE, String.class);
            String mediaType = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (mediaType.startsWith("text/") || mediaType.contains("html") || mediaType.contains("json")) {
                throw new FetchFailed("not an image (Content-Type " + type + ")");
            }
            Long length = answer.getHeader(Exchange.CONTENT_LENGTH, Long.class);
            if (length != null && length > maxBytes) {
                throw new FetchFailed("image larger than the provider's limit of " + maxBytes + " bytes (Content-Length "
                        + length + ")");
            }
            page.answered(null, type);
            handedOn = true;
            return new Timed(body == null ? InputStream.nullInputStream() : body, timeout);
        } finally {
            if (!handedOn) {
                PageAnswers.release(body, false);
            }
        }
    }

    /**
     * The body within the time limit: a server trickling bytes stays under each read's timeout, not under this one.
     * Closed before its end (too large, past the time), the connection is dropped rather than drained.
     */
    private static final class Timed extends FilterInputStream {

        private final long deadline;
        private final Duration timeout;
        private boolean ended;

        Timed(InputStream in, Duration timeout) {
            super(in);
            this.timeout = timeout;
            this.deadline = System.nanoTime() + timeout.toNanos();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (System.nanoTime() > deadline) {
                throw new FetchFailed("timed out: the image took longer than " + timeout.toSeconds() + " s to arrive");
            }
            int n = super.read(b, off, len);
            ended |= n < 0;
            return n;
        }

        @Override
        public void close() throws IOException {
            PageAnswers.release(in, ended);
        }
    }
}
