package dev.batchpipe.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What an image file is, sniffed from its bytes rather than its name: PNG, JPEG, GIF or WEBP, with its width and
 * height. An image whose end is missing (a PNG without IEND, a JPEG without EOI, a GIF without its trailer, a WEBP
 * shorter than its RIFF size) is refused as truncated, so a cut-off download is never sent. Reads the header and the
 * last bytes only (and a JPEG's segment headers up to its frame), never the whole file.
 */
public record ImageHeader(String mediaType, int width, int height) {

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final byte[] PNG_END = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xae, 0x42, 0x60, (byte) 0x82};
    private static final int HEAD = 64;

    public static ImageHeader read(Path file) throws BadImage {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                throw new BadImage("empty file");
            }
            ByteBuffer head = read(ch, 0, (int) Math.min(HEAD, size));
            ByteBuffer tail = read(ch, Math.max(0, size - PNG_END.length), (int) Math.min(PNG_END.length, size));
            if (startsWith(head, PNG)) {
                return png(head, tail);
            }
            if (u8(head, 0) == 0xff && u8(head, 1) == 0xd8 && u8(head, 2) == 0xff) {
                return jpeg(ch, size, tail);
            }
            if (startsWith(head, "GIF87a".getBytes()) || startsWith(head, "GIF89a".getBytes())) {
                return gif(head, tail);
            }
            if (startsWith(head, "RIFF".getBytes()) && head.limit() >= 12 && ascii(head, 8, 4).equals("WEBP")) {
                return webp(head, size);
            }
            throw new BadImage("not an image of a type providers take (PNG, JPEG, GIF or WEBP)");
        } catch (IOException e) {
            throw new BadImage("cannot be read: " + e.getMessage());
        }
    }

    private static ImageHeader png(ByteBuffer head, ByteBuffer tail) throws BadImage {
        if (head.limit() < 24 || !ascii(head, 12, 4).equals("IHDR")) {
            throw new BadImage("truncated PNG (no image header)");
        }
        if (!tail.equals(ByteBuffer.wrap(PNG_END))) {
            throw new BadImage("truncated PNG (no IEND chunk at its end)");
        }
        return dimensions("image/png", head.order(ByteOrder.BIG_ENDIAN).getInt(16), head.getInt(20));
    }

    private static ImageHeader gif(ByteBuffer head, ByteBuffer tail) throws BadImage {
        if (head.limit() < 10) {
            throw new BadImage("truncated GIF (no screen descriptor)");
        }
        if (u8(tail, tail.limit() - 1) != 0x3b) {
            throw new BadImage("truncated GIF (no trailer at its end)");
        }
        head.order(ByteOrder.LITTLE_ENDIAN);
        return dimensions("image/gif", head.getShort(6) & 0xffff, head.getShort(8) & 0xffff);
    }

    /** Walks the segments to the first start-of-frame, which holds the dimensions. */
    private static ImageHeader jpeg(FileChannel ch, long size, ByteBuffer tail) throws BadImage, IOException {
        if (tail.limit() < 2 || u8(tail, tail.limit() - 2) != 0xff || u8(tail, tail.limit() - 1) != 0xd9) {
            throw new BadImage("truncated JPEG (no end-of-image marker at its end)");
        }
        long pos = 2;
        while (pos + 4 <= size) {
            ByteBuffer seg = read(ch, pos, (int) Math.min(9, size - pos)).order(ByteOrder.BIG_ENDIAN);
            if (u8(seg, 0) != 0xff) {
                throw new BadImage("corrupt JPEG (no segment marker at byte " + pos + ")");
            }
            int marker = u8(seg, 1);
            if (marker == 0xff) {
                pos++; // fill byte
                continue;
            }
            boolean frame = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
            if (frame) {
                if (seg.limit() < 9) {
                    break;
                }
                return dimensions("image/jpeg", seg.getShort(7) & 0xffff, seg.getShort(5) & 0xffff);
            }
            if (marker == 0xda || marker == 0xd9) {
                throw new BadImage("corrupt JPEG (no frame header before its image data)");
            }
            pos += 2 + (seg.getShort(2) & 0xffff);
        }
        throw new BadImage("truncated JPEG (no frame header)");
    }

    private static ImageHeader webp(ByteBuffer head, long size) throws BadImage {
        head.order(ByteOrder.LITTLE_ENDIAN);
        long riff = head.getInt(4) & 0xffffffffL;
        if (size < riff + 8) {
            throw new BadImage("truncated WEBP (" + size + " bytes of the " + (riff + 8) + " its header announces)");
        }
        if (head.limit() < 30) {
            throw new BadImage("truncated WEBP (no image header)");
        }
        String chunk = ascii(head, 12, 4);
        return switch (chunk) {
            case "VP8 " -> dimensions("image/webp", head.getShort(26) & 0x3fff, head.getShort(28) & 0x3fff);
            case "VP8L" -> {
                int bits = head.getInt(21);
                yield dimensions("image/webp", (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
            }
            case "VP8X" -> dimensions("image/webp", u24(head, 24) + 1, u24(head, 27) + 1);
            default -> throw new BadImage("corrupt WEBP (unknown chunk '" + chunk.strip() + "')");
        };
    }

    private static ImageHeader dimensions(String type, int width, int height) throws BadImage {
        if (width <= 0 || height <= 0) {
            throw new BadImage("corrupt " + type + " (" + width + "×" + height + " pixels)");
        }
        return new ImageHeader(type, width, height);
    }

    private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining() && ch.read(b, at + b.position()) > 0) {
            // positional reads until the buffer is full or the file ends
        }
        return b.flip();
    }

    private static boolean startsWith(ByteBuffer b, byte[] prefix) {
        return b.limit() >= prefix.length && b.slice(0, prefix.length).equals(ByteBuffer.wrap(prefix));
    }

    private static String ascii(ByteBuffer b, int at, int n) {
        byte[] s = new byte[n];
        b.get(at, s);
        return new String(s, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static int u8(ByteBuffer b, int at) {
        return b.get(at) & 0xff;
    }

    private static int u24(ByteBuffer b, int at) {
        return u8(b, at) | u8(b, at + 1) << 8 | u8(b, at + 2) << 16;
    }
}
