package dev.batchpipe.support;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.imageio.ImageIO;

/** Small images made in the test (java.awt / ImageIO), and a hand-made WEBP header, for the image tests. */
public final class TestImages {

    private TestImages() {
    }

    /** A picture of {@code width}×{@code height} in {@code format} (png, jpeg, gif), coloured by {@code seed}. */
    public static byte[] image(String format, int width, int height, int seed) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(Color.HSBtoRGB((seed % 12) / 12f, 0.6f, 0.9f)));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.DARK_GRAY);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalArgumentException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A lossless WEBP's container and header (VP8L) for {@code width}×{@code height}, with a few bytes of data. */
    public static byte[] webp(int width, int height) {
        ByteBuffer b = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(32).put("WEBP".getBytes(StandardCharsets.US_ASCII));
        b.put("VP8L".getBytes(StandardCharsets.US_ASCII)).putInt(20).put((byte) 0x2f);
        b.putInt((width - 1) | (height - 1) << 14);
        return b.array();
    }

    /** The first {@code n} bytes: a file cut off in transfer. */
    public static byte[] truncated(byte[] image, int n) {
        return Arrays.copyOf(image, n);
    }
}
