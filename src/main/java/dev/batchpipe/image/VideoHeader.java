package dev.batchpipe.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What a video file is, sniffed from its bytes: MP4 or QuickTime (an {@code ftyp} box), WebM (an EBML header), AVI
 * or MPEG, with its duration where the container states it (MP4 and QuickTime: the {@code mvhd} box, wherever the
 * {@code moov} box is), for the token estimate. An MP4 whose boxes run past the end of the file, or that has no
 * {@code moov}, is refused as truncated. Reads box headers only, never the media.
 */
public record VideoHeader(String mediaType, double seconds) {

    /** Duration unknown (WebM, AVI, MPEG): estimated from the size at this many bytes a second (1 Mbit/s). */
    static final long BYTES_PER_SECOND_GUESS = 125_000;

    public static VideoHeader read(Path file) throws BadImage {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 12) {
                throw new BadImage(size == 0 ? "empty file" : "not a video (" + size + " bytes)");
            }
            ByteBuffer b = read(ch, 0, 12);
            if (b.get(4) == 'f' && b.get(5) == 't' && b.get(6) == 'y' && b.get(7) == 'p') {
                return new VideoHeader(b.get(8) == 'q' && b.get(9) == 't' ? "video/quicktime" : "video/mp4",
                        mp4Seconds(ch, size));
            }
            String type = u8(b, 0) == 0x1A && u8(b, 1) == 0x45 && u8(b, 2) == 0xDF && u8(b, 3) == 0xA3 ? "video/webm"
                    : b.get(0) == 'R' && b.get(1) == 'I' && b.get(2) == 'F' && b.get(3) == 'F' && b.get(8) == 'A'
                    && b.get(9) == 'V' && b.get(10) == 'I' ? "video/x-msvideo"
                    : b.get(0) == 0 && b.get(1) == 0 && b.get(2) == 1 && u8(b, 3) == 0xBA ? "video/mpeg" : null;
            if (type == null) {
                throw new BadImage("not a video of a type we know (MP4, QuickTime, WebM, AVI, MPEG)");
            }
            return new VideoHeader(type, Math.max(1, size / (double) BYTES_PER_SECOND_GUESS));
        } catch (IOException e) {
            throw new BadImage("cannot be read: " + e.getMessage());
        }
    }

    /** The movie header's duration ÷ timescale, walking the top-level boxes to {@code moov}, then to {@code mvhd}. */
    private static double mp4Seconds(FileChannel ch, long size) throws IOException, BadImage {
        long moov = findBox(ch, 0, size, "moov");
        if (moov < 0) {
            throw new BadImage("truncated or not a whole MP4: no moov box");
        }
        long[] bounds = box(ch, moov, size);
        long mvhd = findBox(ch, moov + bounds[1], moov + bounds[0], "mvhd");
        if (mvhd < 0) {
            throw new BadImage("not a whole MP4: its moov box has no mvhd");
        }
        long at = mvhd + box(ch, mvhd, size)[1];
        ByteBuffer v = read(ch, at, 1);
        boolean wide = v.get(0) == 1;
        ByteBuffer h = read(ch, at + 4 + (wide ? 16 : 8), wide ? 12 : 8);
        long timescale = h.getInt(0) & 0xffffffffL;
        long duration = wide ? h.getLong(4) : h.getInt(4) & 0xffffffffL;
        if (timescale == 0) {
            throw new BadImage("not a whole MP4: its movie header has no timescale");
        }
        return Math.max(1, (double) duration / timescale);
    }

    /** The offset of the first box of {@code type} between {@code from} and {@code to}, or -1. */
    private static long findBox(FileChannel ch, long from, long to, String type) throws IOException, BadImage {
        for (long at = from; at + 8 <= to; ) {
            long[] b = box(ch, at, to);
            if (new String(read(ch, at + 4, 4).array(), java.nio.charset.StandardCharsets.US_ASCII).equals(type)) {
                return at;
            }
            at += b[0];
        }
        return -1;
    }

    /** {size, header length} of the box at {@code at}; a box running past {@code end} is a truncated file. */
    private static long[] box(FileChannel ch, long at, long end) throws IOException, BadImage {
        ByteBuffer b = read(ch, at, (int) Math.min(16, end - at));
        long size = b.getInt(0) & 0xffffffffL;
        int header = 8;
        if (size == 1 && b.limit() >= 16) {
            size = b.getLong(8);
            header = 16;
        } else if (size == 0) {
            size = end - at;
        }
        if (size < header || at + size > end) {
            throw new BadImage("truncated: a box at byte " + at + " runs past the end of the file");
        }
        return new long[] {size, header};
    }

    private static ByteBuffer read(FileChannel ch, long at, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(0, length));
        while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) {
            // read until full or at the end
        }
        return b.flip();
    }

    private static int u8(ByteBuffer b, int i) {
        return b.get(i) & 0xff;
    }
}
