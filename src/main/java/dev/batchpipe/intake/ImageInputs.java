package dev.batchpipe.intake;

import dev.batchpipe.image.BadImage;
import dev.batchpipe.image.ImagePart;
import dev.batchpipe.image.ImageSpool;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * Resolves the image references of an input record (fields declared {@code format: image}) into images in the
 * {@link ImageSpool}: a path relative to the input file's folder (the inbox folder for a dropped file), a
 * {@code data:} URI, or (fetched by route {@code fetch-image}) an http(s) URL. A reference that cannot be sent is a
 * {@link BadImage} with the reason: missing, a directory, unreadable, a path climbing out of the folder with
 * {@code ..} or through a symlink, not an image of a type the provider takes, truncated, too large.
 */
public final class ImageInputs {

    private final ImageSpool spool;

    public ImageInputs(ImageSpool spool) {
        this.spool = spool;
    }

    /** Whether the reference is an http(s) URL, fetched by the route rather than read here. */
    public static boolean isRemote(String reference) {
        String r = reference.strip().toLowerCase(Locale.ROOT);
        return r.startsWith("http://") || r.startsWith("https://");
    }

    /** A path or a data: URI, copied into the spool and checked against the provider's limits. */
    public ImagePart local(String reference, Path folder, long maxBytes, Set<String> types) throws BadImage {
        ImagePart image;
        if (reference.regionMatches(true, 0, "data:", 0, 5)) {
            image = dataUri(reference, maxBytes);
        } else {
            Path file = file(reference, folder);
            try {
                long size = Files.size(file);
                if (size > maxBytes) {
                    throw new BadImage("larger than the provider's limit of " + maxBytes + " bytes (" + size + " bytes)");
                }
            } catch (IOException e) {
                throw new BadImage("cannot be read: " + e.getMessage());
            }
            try (InputStream in = Files.newInputStream(file)) {
                image = spool.store(in, maxBytes);
            } catch (AccessDeniedException e) {
                throw new BadImage("cannot be read: permission denied");
            } catch (IOException e) {
                throw new BadImage("cannot be read: " + e.getMessage());
            }
        }
        return accepted(image, types);
    }

    /** An image fetched from a URL (its bytes), copied into the spool and checked like any other. */
    public ImagePart fetched(InputStream body, long maxBytes, Set<String> types) throws BadImage {
        return accepted(spool.store(body, maxBytes), types);
    }

    private static ImagePart accepted(ImagePart image, Set<String> types) throws BadImage {
        if (!types.contains(image.mediaType())) {
            throw new BadImage(image.mediaType() + " is not taken by the provider (it takes " + String.join(", ",
                    types.stream().sorted().toList()) + ")");
        }
        return image;
    }

    /**
     * The file a relative path names, inside {@code folder}: no absolute paths, no {@code ..} out of it, no symlink
     * whose target is outside it, and a regular file.
     */
    static Path file(String reference, Path folder) throws BadImage {
        Path relative;
        try {
            relative = Path.of(reference.strip());
        } catch (InvalidPathException e) {
            throw new BadImage("not a valid path: " + e.getReason());
        }
        if (reference.isBlank()) {
            throw new BadImage("empty image reference");
        }
        if (relative.isAbsolute() || reference.contains(":")) {
            throw new BadImage("must be a path relative to the input file's folder, an http(s) URL or a data: URI");
        }
        Path base = folder.toAbsolutePath().normalize();
        Path file = base.resolve(relative).normalize();
        if (!file.startsWith(base)) {
            throw new BadImage("the path climbs out of the input file's folder (..)");
        }
        Path real;
        try {
            real = file.toRealPath();
            if (!real.startsWith(base.toRealPath())) {
                throw new BadImage("a symlink leading out of the input file's folder");
            }
        } catch (NoSuchFileException e) {
            throw new BadImage("no such file");
        } catch (IOException e) {
            throw new BadImage("cannot be read: " + e.getMessage());
        }
        if (Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new BadImage("a directory, not an image");
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new BadImage("not a regular file");
        }
        return real;
    }

    /** {@code data:image/png;base64,…}: its bytes decoded as they are spooled, and its declared type checked. */
    private ImagePart dataUri(String uri, long maxBytes) throws BadImage {
        int comma = uri.indexOf(',');
        String meta = comma < 0 ? "" : uri.substring(5, comma).toLowerCase(Locale.ROOT);
        if (comma < 0 || !meta.endsWith(";base64")) {
            throw new BadImage("a data: URI must be base64 (data:image/png;base64,…)");
        }
        String declared = meta.substring(0, meta.length() - ";base64".length());
        InputStream bytes = Base64.getDecoder().wrap(new ByteArrayInputStream(
                uri.substring(comma + 1).getBytes(StandardCharsets.ISO_8859_1)));
        ImagePart image = spool.store(bytes, maxBytes);
        if (!declared.isEmpty() && !declared.equals(image.mediaType())) {
            throw new BadImage("the data: URI says " + declared + " but its bytes are " + image.mediaType());
        }
        return image;
    }
}
