package dev.batchpipe.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The images (and videos) requests send, each copied once from where it came from (a file, a URL, a data URI) into a folder of
 * the data directory under its SHA-256, while it is read: streamed, so memory does not grow with its size, checked
 * ({@link ImageHeader}) and capped. Batch files and realtime calls stream their base64 from here
 * ({@link ImageData#write}), so an image edited or deleted at its source after intake changes no request, and a batch
 * file rebuilt after a crash is the same.
 */
public final class ImageSpool {

    private final Path dir;

    public ImageSpool(Path dir) {
        this.dir = dir;
    }

    /** Where the image of {@code sha256} is kept. */
    public Path path(String sha256) {
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not an image hash: " + sha256);
        }
        return dir.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    /** Copies the image in, refusing it past {@code maxBytes} or when it is no whole image of a type providers take. */
    public ImagePart store(InputStream in, long maxBytes) throws BadImage {
        return copy(in, maxBytes, (file, hash, bytes) -> {
            ImageHeader header = ImageHeader.read(file);
            return new ImagePart(header.mediaType(), hash, bytes, header.width(), header.height());
        });
    }

    /** Copies a video in, refusing it past {@code maxBytes} or when it is no whole video of a type we know. */
    public VideoPart storeVideo(InputStream in, long maxBytes) throws BadImage {
        return copy(in, maxBytes, (file, hash, bytes) -> {
            VideoHeader header = VideoHeader.read(file);
            return new VideoPart(header.mediaType(), hash, bytes, header.seconds());
        });
    }

    /** What the copied file is, read from it before it is kept. */
    private interface Check<T> {
        T read(Path file, String sha256, long bytes) throws BadImage;
    }

    private <T> T copy(InputStream in, long maxBytes, Check<T> check) throws BadImage {
        Path temp;
        try {
            Files.createDirectories(dir);
            temp = dir.resolve("." + UUID.randomUUID() + ".part");
        } catch (IOException e) {
            throw new UncheckedIOException("the image folder " + dir + " cannot be written", e);
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long bytes = 0;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), sha)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = read(in, buffer)) != -1; ) {
                    bytes += n;
                    if (bytes > maxBytes) {
                        throw new BadImage("larger than the provider's limit of " + maxBytes + " bytes");
                    }
                    out.write(buffer, 0, n);
                }
            }
            String hash = HexFormat.of().formatHex(sha.digest());
            T part = check.read(temp, hash, bytes);
            Path target = path(hash);
            Files.createDirectories(target.getParent());
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                // the same content taken in before
            }
            return part;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("the image folder " + dir + " cannot be written", e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a leftover .part file is harmless: names are random
            }
        }
    }

    /** A failure to read the source is the image's; one to write the spool is ours (thrown on, the item retried). */
    private static int read(InputStream in, byte[] buffer) throws BadImage {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw new BadImage("cannot be read: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }
}
