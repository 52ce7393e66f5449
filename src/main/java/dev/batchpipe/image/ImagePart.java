package dev.batchpipe.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One image of a request as adapters send it: its media type (from its bytes), its content hash (its name in the
 * {@link ImageSpool}), its size in bytes and its pixels (for the token estimate). Adapters put
 * {@link ImageData#placeholder} where its base64 goes; the base64 itself is written only into the batch file or
 * the realtime call, streamed from the spool.
 */
public record ImagePart(String mediaType, String sha256, long bytes, int width, int height) {

    /** The field of a stored item that lists its images, as intake found them (see intake/ImageInputs). */
    public static final String ITEM_FIELD = "_images";

    /** The images of a stored item, in the order they are sent. */
    public static List<ImagePart> of(JsonNode item) {
        List<ImagePart> images = new ArrayList<>();
        for (JsonNode i : item.path(ITEM_FIELD)) {
            images.add(new ImagePart(i.path("media_type").asText(), i.path("sha256").asText(), i.path("bytes").asLong(),
                    i.path("width").asInt(), i.path("height").asInt()));
        }
        return images;
    }

    /** How an item records it, with the field (and position) it came from. */
    public ObjectNode toJson(ObjectNode into, String field) {
        return into.put("field", field).put("media_type", mediaType).put("sha256", sha256).put("bytes", bytes)
                .put("width", width).put("height", height);
    }

    /** The length of its base64 text (no line breaks, padded). */
    public long base64Length() {
        return 4 * ((bytes + 2) / 3);
    }
}
