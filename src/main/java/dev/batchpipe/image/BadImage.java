package dev.batchpipe.image;

/** Why an image cannot be sent: missing, unreadable, of a type no provider takes, truncated, too large. */
public final class BadImage extends Exception {

    public BadImage(String reason) {
        super(reason, null, false, false);
    }

    public String reason() {
        return getMessage();
    }
}
