package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.fetch.FetchFailed;
import dev.batchpipe.fetch.PageFetch;
import dev.batchpipe.fetch.UrlGuard;
import dev.batchpipe.image.BadImage;
import dev.batchpipe.image.ImagePart;
import dev.batchpipe.image.ImageSpool;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.task.TaskDefinition;
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
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Resolves the image references of an input record (fields declared {@code format: image}) into images in the
 * {@link ImageSpool}: a path relative to the input file's folder (the inbox folder for a dropped file), a
 * {@code data:} URI, or (fetched by route {@code fetch-image}) an http(s) URL. A reference that cannot be sent is a
 * {@link BadImage} with the reason: missing, a directory, unreadable, a path climbing out of the folder with
 * {@code ..} or through a symlink, not an image of a type the provider takes, truncated, too large.
 */
public final class ImageInputs {

    private static final Set<String> ALL_TYPES = Set.of("image/png", "image/jpeg", "image/gif", "image/webp");
    private static final long DEFAULT_MAX_BYTES = 20L << 20;

    private final ImageSpool spool;
    private final Providers providers;

    public ImageInputs(ImageSpool spool, Providers providers) {
        this.spool = spool;
        this.providers = providers;
    }

    /** The references in a record's image fields, in field order; none for a rejected record. */
    public List<ImageReference> references(FileJob job, InputRecord record) {
        List<ImageReference> refs = new ArrayList<>();
        TaskDefinition.Each each = job.task().each();
        if (record instanceof InputRecord.Parsed p) {
            for (String field : job.task().imageFields()) {
                JsonNode v = p.value().get(field);
                if (v == null || v.isNull()) {
                    continue;
                }
                if (v.isArray()) {
                    for (int i = 0; i < v.size(); i++) {
                        refs.add(new ImageReference(field, i, v.get(i).asText()));
                    }
                } else if (each != null && each.field().equals(field)) {
                    String[] listed = v.asText().strip().split("\\s+");
                    for (int i = 0; i < listed.length; i++) {
                        refs.add(new ImageReference(field, i, listed[i]));
                    }
                } else {
                    refs.add(new ImageReference(field, -1, v.asText()));
                }
            }
        }
        return refs;
    }

    /** A path (relative to the input file's folder) or a data: URI, read into the spool, or why it cannot be. */
    public ImageReference read(FileJob job, ImageReference ref) {
        Limits limits = limits(job);
        try {
            return ref.read(local(ref.reference(), job.file().toAbsolutePath().getParent(), limits.maxBytes(),
                    limits.types()));
        } catch (BadImage e) {
            return ref.bad(e.reason());
        }
    }

    /** The first hop of an http(s) image: the URL as URL intake accepts it. */
    public PageFetch page(ImageReference ref) throws FetchFailed {
        return new PageFetch(UrlGuard.fetchable(ref.reference()));
    }

    /** The largest image the job's providers all take, for the fetch to refuse a larger one before reading it. */
    public long maxBytes(FileJob job) {
        return limits(job).maxBytes();
    }

    /** The body of a fetched image, read into the spool (and the connection released), or why it is bad. */
    public ImageReference fetched(FileJob job, ImageReference ref, InputStream body) throws IOException {
        Limits limits = limits(job);
        try (body) {
            return ref.read(fetched(body, limits.maxBytes(), limits.types()));
        } catch (BadImage e) {
            return ref.bad(e.reason());
        }
    }

    /** A fetch that failed: the HTTP status or the cause, as URL intake words it. */
    public ImageReference failed(ImageReference ref, Throwable failure) {
        return ref.bad(PageFetch.reason(failure));
    }

    /**
     * The record with its images: its item records them ({@link ImagePart#ITEM_FIELD}, in reference order); with
     * {@code input.each} it becomes one item per image of that field, keyed by record and image, each rejected alone
     * when its image is bad. Any other bad image rejects the record, naming the field and the reason.
     */
    public InputRecord record(FileJob job, InputRecord record, List<ImageReference> refs) {
        if (!(record instanceof InputRecord.Parsed p)) {
            return record;
        }
        TaskDefinition.Each each = job.task().each();
        List<ImageReference> shared = refs.stream().filter(r -> each == null || !r.field().equals(each.field())).toList();
        List<ImageReference> badShared = shared.stream().filter(r -> r.image() == null).toList();
        if (!badShared.isEmpty()) {
            return bad(p, badShared);
        }
        if (each == null) {
            return new InputRecord.Parsed(p.line(), withImages(p.value(), shared));
        }
        List<ImageReference> own = refs.stream().filter(r -> r.field().equals(each.field())).toList();
        if (own.isEmpty()) {
            return new InputRecord.Bad(p.line(), "no images", p.value().toString(), each.field());
        }
        List<InputRecord> items = new ArrayList<>();
        for (ImageReference r : own) {
            if (r.image() == null) {
                items.add(bad(p, List.of(r)));
                continue;
            }
            ObjectNode item = p.value().deepCopy();
            item.remove(each.field());
            item.put(each.as(), r.reference());
            List<ImageReference> images = new ArrayList<>(List.of(r));
            images.addAll(shared);
            items.add(new InputRecord.Parsed(p.line(), withImages(item, images)));
        }
        return new InputRecord.Items(p.line(), items);
    }

    private static ObjectNode withImages(ObjectNode value, List<ImageReference> refs) {
        ObjectNode item = value.deepCopy();
        ArrayNode images = item.putArray(ImagePart.ITEM_FIELD);
        for (ImageReference r : refs) {
            r.image().toJson(images.addObject(), r.where());
        }
        return item;
    }

    private static InputRecord.Bad bad(InputRecord.Parsed p, List<ImageReference> bad) {
        String fields = bad.stream().map(ImageReference::where).collect(Collectors.joining(", "));
        String reasons = bad.stream().map(r -> r.problem() + " (" + excerpt(r.reference()) + ")")
                .collect(Collectors.joining("; "));
        return new InputRecord.Bad(p.line(), reasons, p.value().toString(), fields);
    }

    /** A data: URI is named by its start only. */
    private static String excerpt(String reference) {
        return reference.length() > 60 ? reference.substring(0, 60) + "…" : reference;
    }

    private record Limits(long maxBytes, Set<String> types) {
    }

    /** What every provider the job's requests go to takes: the smallest image limit, the types all of them take. */
    private Limits limits(FileJob job) {
        long max = DEFAULT_MAX_BYTES;
        Set<String> types = new HashSet<>(ALL_TYPES);
        for (TaskDefinition.RequestTemplate t : job.task().requests()) {
            String provider = RequestFactory.provider(t, job.options().provider());
            if (providers.has(provider)) {
                max = Math.min(max, providers.get(provider).maxImageBytes());
                types.retainAll(providers.get(provider).imageTypes());
            }
        }
        return new Limits(max, types);
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
