package dev.batchpipe.image;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.Function;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;

/**
 * Images in an encoded request line travel as placeholders, so a line stays small while it is rendered, measured and
 * handed on, and its images' base64 is streamed from the spool only where the line is written out (the batch file, a
 * realtime call's body). A placeholder names the image's hash and size, so a line's size on the wire is known
 * without reading any image. Its text starts with a control character (which JSON writers escape, so it appears in
 * the line as the six characters {@code \u0001}) and a per-process random nonce, so no prompt text can forge one.
 */
public final class ImageData {

    private static final String NONCE = HexFormat.of().formatHex(SecureRandom.getSeed(8));
    private static final byte[] START = ("\\u0001" + NONCE + ":").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\\u0001".getBytes(StandardCharsets.US_ASCII);

    private ImageData() {
    }

    /** What an adapter writes in place of the image's base64 (inside a JSON string). */
    public static String placeholder(ImagePart image) {
        return "\u0001" + NONCE + ":" + image.sha256() + ":" + image.bytes() + "\u0001";
    }

    /** Whether the encoded line holds placeholders. */
    public static boolean hasImages(byte[] line) {
        return indexOf(line, START, 0) >= 0;
    }

    /** The line with its placeholders removed: what the token estimate reads (images count by their own rule). */
    public static String withoutImages(String line) {
        return line.replaceAll("\\\\u0001" + NONCE + ":[0-9a-f]+:[0-9]+\\\\u0001", "");
    }

    /** The length of the line once every placeholder is replaced by its image's base64. */
    public static long expandedLength(byte[] line) {
        long length = line.length;
        for (int at = indexOf(line, START, 0); at >= 0; at = indexOf(line, START, at + 1)) {
            Marker m = marker(line, at);
            length += 4 * ((m.bytes + 2) / 3) - (m.end - at);
        }
        return length;
    }

    /** Writes the line with each placeholder replaced by the base64 of its image, streamed from {@code images}. */
    public static void write(byte[] line, OutputStream out, Function<String, Path> images) throws IOException {
        int from = 0;
        for (int at = indexOf(line, START, 0); at >= 0; at = indexOf(line, START, from)) {
            Marker m = marker(line, at);
            out.write(line, from, at - from);
            OutputStream base64 = Base64.getEncoder().wrap(new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush(); // the encoder's close writes its padding; the line goes on in the same stream
                }
            });
            long copied;
            try (InputStream in = Files.newInputStream(images.apply(m.sha256))) {
                copied = in.transferTo(base64);
            }
            base64.close();
            if (copied != m.bytes) {
                throw new IOException("spooled image " + m.sha256 + " has " + copied + " bytes, not " + m.bytes);
            }
            from = m.end;
        }
        out.write(line, from, line.length - from);
    }

    /** A request body (a realtime call) with its images' base64 streamed in as it is sent; repeatable for retries. */
    public static HttpEntity entity(byte[] body, ContentType type, Function<String, Path> images) {
        return new AbstractHttpEntity(type, null) {
            @Override
            public InputStream getContent() throws IOException {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                writeTo(out);
                return new ByteArrayInputStream(out.toByteArray());
            }

            @Override
            public void writeTo(OutputStream out) throws IOException {
                write(body, out, images);
            }

            @Override
            public long getContentLength() {
                return expandedLength(body);
            }

            @Override
            public boolean isRepeatable() {
                return true;
            }

            @Override
            public boolean isStreaming() {
                return false;
            }

            @Override
            public void close() {
                // nothing held open: each write opens and closes its images
            }
        };
    }

    private record Marker(String sha256, long bytes, int end) {
    }

    private static Marker marker(byte[] line, int at) {
        int start = at + START.length;
        int end = indexOf(line, END, start);
        String[] parts = new String(line, start, end - start, StandardCharsets.US_ASCII).split(":");
        return new Marker(parts[0], Long.parseLong(parts[1]), end + END.length);
    }

    private static int indexOf(byte[] a, byte[] b, int from) {
        outer:
        for (int i = from; i <= a.length - b.length; i++) {
            for (int j = 0; j < b.length; j++) {
                if (a[i + j] != b[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
