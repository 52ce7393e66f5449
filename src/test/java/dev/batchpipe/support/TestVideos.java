package dev.batchpipe.support;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Small video files for tests, built box by box: an MP4 is an {@code ftyp} box, an {@code mdat} of media bytes and a
 * {@code moov} holding the movie header ({@code mvhd}) that states its duration, after the media as cameras write it.
 * The media bytes are filler: nothing in batchpipe or the sandbox decodes frames.
 */
public final class TestVideos {

    private TestVideos() {
    }

    /** An MP4 of {@code seconds}, {@code mediaBytes} of media, {@code seed} making its content its own. */
    public static byte[] mp4(double seconds, int mediaBytes, int seed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(box("ftyp", ascii("isom"), new byte[] {0, 0, 2, 0}, ascii("isomiso2mp41")));
        byte[] media = new byte[mediaBytes];
        for (int i = 0; i < media.length; i++) {
            media[i] = (byte) (seed * 31 + i * 7);
        }
        out.writeBytes(box("mdat", media));
        ByteBuffer mvhd = ByteBuffer.allocate(100);
        mvhd.putInt(0); // version 0, no flags
        mvhd.putInt(0).putInt(0); // created, modified
        mvhd.putInt(1000).putInt((int) Math.round(seconds * 1000)); // timescale, duration
        out.writeBytes(box("moov", box("mvhd", mvhd.array())));
        return out.toByteArray();
    }

    /** The first {@code keep} bytes of a file, as a cut-off download leaves it. */
    public static byte[] cut(byte[] file, int keep) {
        return java.util.Arrays.copyOf(file, keep);
    }

    /** The start of a WebM (EBML header), whose duration batchpipe estimates from the size. */
    public static byte[] webm(int bytes) {
        byte[] b = new byte[bytes];
        b[0] = 0x1A;
        b[1] = 0x45;
        b[2] = (byte) 0xDF;
        b[3] = (byte) 0xA3;
        return b;
    }

    private static byte[] box(String type, byte[]... content) {
        int size = 8;
        for (byte[] c : content) {
            size += c.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).putInt(size).put(ascii(type));
        for (byte[] c : content) {
            b.put(c);
        }
        return b.array();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
