package dev.batchpipe.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What a real provider checks of an uploaded video: its bytes are the container its declared media type names
 * (MP4/QuickTime {@code ftyp} box, WebM/Matroska EBML header, AVI RIFF, MPEG pack header), so an encoder that declares
 * one type and sends another fails the tests.
 */
final class VideoBytes {

    private VideoBytes() {
    }

    /** Null when the file is of the declared type, else why not. */
    static String mismatch(Path file, String declared) throws IOException {
        byte[] head = new byte[12];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        String sniffed = n < 12 ? null : sniff(head);
        String type = declared.toLowerCase(Locale.ROOT);
        boolean matches = sniffed != null && (sniffed.equals(type)
                || sniffed.equals("video/mp4") && type.equals("video/quicktime")
                || sniffed.equals("video/webm") && type.equals("video/x-matroska"));
        return matches ? null : "the file's bytes are " + (sniffed == null ? "no video container we know"
                : sniffed) + ", not the declared " + declared;
    }

    static String sniff(byte[] b) {
        if (b[4] == 'f' && b[5] == 't' && b[6] == 'y' && b[7] == 'p') {
            return b[8] == 'q' && b[9] == 't' ? "video/quicktime" : "video/mp4";
        }
        if ((b[0] & 0xff) == 0x1A && (b[1] & 0xff) == 0x45 && (b[2] & 0xff) == 0xDF && (b[3] & 0xff) == 0xA3) {
            return "video/webm";
        }
        if (b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'A' && b[9] == 'V' && b[10] == 'I') {
            return "video/x-msvideo";
        }
        if (b[0] == 0 && b[1] == 0 && b[2] == 1 && (b[3] & 0xff) == 0xBA) {
            return "video/mpeg";
        }
        return null;
    }
}
