package dev.batchpipe.intake;

import dev.batchpipe.image.ImagePart;

/**
 * One image reference of a record as routes/intake-images.camel.yaml carries it: the field it is in (with its
 * position in an array), the text the record gave, and, once read, the image in the spool or why it is bad.
 */
public final class ImageReference {

    private final String field;
    private final int index;
    private final String reference;
    private ImagePart image;
    private String problem;

    ImageReference(String field, int index, String reference) {
        this.field = field;
        this.index = index;
        this.reference = reference;
    }

    /** An http(s) URL: fetched by the route fetch-image on the guarded pool. */
    public boolean isRemote() {
        return ImageInputs.isRemote(reference);
    }

    public String reference() {
        return reference;
    }

    String field() {
        return field;
    }

    /** -1 for a field of one image. */
    int index() {
        return index;
    }

    /** The field as the errors file names it: {@code cover}, {@code images[2]}. */
    String where() {
        return index < 0 ? field : field + "[" + index + "]";
    }

    ImageReference read(ImagePart part) {
        this.image = part;
        return this;
    }

    ImageReference bad(String reason) {
        this.problem = reason;
        return this;
    }

    ImagePart image() {
        return image;
    }

    String problem() {
        return problem;
    }
}
