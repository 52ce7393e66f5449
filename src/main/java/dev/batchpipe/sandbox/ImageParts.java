package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/**
 * What a real provider checks of an image part: its base64 decodes, and its bytes are the image type it declares
 * (a PNG declared as JPEG, or cut-off base64, is a 400). Takes each protocol's shape: OpenAI chat {@code image_url}
 * and Responses {@code input_image} (a data: URI; a URL is taken as it is), Anthropic {@code image} with a base64
 * source, Gemini {@code inlineData}. A checked image joins the prompt as a short word of its hash, so answers stay
 * deterministic and differ per image.
 */
final class ImageParts {

    private ImageParts() {
    }

    /** The image's word for the prompt when {@code part} is an image part (checked), else null. */
    static String word(JsonNode part) {
        String type = part.path("type").asText();
        if (type.equals("image_url")) {
            JsonNode url = part.get("image_url");
            return dataUri(url != null && url.isObject() ? url.path("url").asText() : Json.text(part, "image_url"));
        }
        if (type.equals("input_image")) {
            return dataUri(Json.text(part, "image_url"));
        }
        if (type.equals("image")) {
            JsonNode source = part.path("source");
            if (!"base64".equals(source.path("type").asText())) {
                return "[image]";
            }
            return checked(source.path("media_type").asText(), source.path("data").asText());
        }
        JsonNode inline = Json.field(part, "inlineData", "inline_data");
        if (inline != null) {
            return checked(Json.text(inline, "mimeType", "mime_type"), Json.text(inline, "data"));
        }
        return null;
    }

    private static String dataUri(String url) {
        if (url == null || !url.startsWith("data:")) {
            return "[image]";
        }
        int comma = url.indexOf(',');
        String meta = comma < 0 ? "" : url.substring(5, comma);
        if (!meta.endsWith(";base64")) {
            throw ApiError.invalid("Invalid image URL: expected a base64 data URL (data:image/…;base64,…).");
        }
        return checked(meta.substring(0, meta.length() - ";base64".length()), url.substring(comma + 1));
    }

    private static String checked(String declared, String data) {
        if (declared == null || data == null || data.isEmpty()) {
            throw ApiError.invalid("Invalid image: a media type and base64 data are required.");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid("Invalid image: the base64 data does not decode (" + e.getMessage() + ").");
        }
        String sniffed = sniff(bytes);
        if (!declared.toLowerCase(Locale.ROOT).equals(sniffed)) {
            throw ApiError.invalid("Invalid image: the data is " + (sniffed == null ? "not an image we know" : sniffed)
                    + ", not the declared " + declared + ".");
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "[image " + HexFormat.of().formatHex(hash, 0, 4) + "]";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sniff(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "image/png";
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return "image/jpeg";
        }
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
            return "image/gif";
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E'
                && b[10] == 'B' && b[11] == 'P') {
            return "image/webp";
        }
        return null;
    }
}
