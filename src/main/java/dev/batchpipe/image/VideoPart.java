package dev.batchpipe.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One video of a request: its media type (from its bytes), its content hash (its name in the {@link ImageSpool}),
 * its size and its duration. It is sent as a reference to the file uploaded to the provider's Files API
 * (pipeline/MediaUploads), never inline.
 */
public record VideoPart(String mediaType, String sha256, long bytes, double seconds) {

    /** The field of a stored item that lists its videos, as intake found them. */
    public static final String ITEM_FIELD = "_videos";
    /** Gemini samples a video at one frame a second, 258 tokens a frame, plus 32 a second of audio. */
    static final int TOKENS_PER_SECOND = 258 + 32;

    public static List<VideoPart> of(JsonNode item) {
        List<VideoPart> videos = new ArrayList<>();
        for (JsonNode v : item.path(ITEM_FIELD)) {
            videos.add(new VideoPart(v.path("media_type").asText(), v.path("sha256").asText(), v.path("bytes").asLong(),
                    v.path("seconds").asDouble()));
        }
        return videos;
    }

    /** The item without its videos: what is rendered for an estimate, which must not upload anything. */
    public static JsonNode without(JsonNode item) {
        return item.has(ITEM_FIELD) ? ((ObjectNode) item.deepCopy()).without(ITEM_FIELD) : item;
    }

    public ObjectNode toJson(ObjectNode into, String field) {
        return into.put("field", field).put("media_type", mediaType).put("sha256", sha256).put("bytes", bytes)
                .put("seconds", seconds);
    }

    /** Its input tokens by Gemini's published rule, the audio counted whether or not it has a track. */
    public int tokens() {
        return (int) Math.ceil(seconds) * TOKENS_PER_SECOND;
    }
}
