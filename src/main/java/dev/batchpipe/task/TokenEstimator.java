package dev.batchpipe.task;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Input-token estimates for packing and quota: the whole request as its provider receives it (system prompt,
 * messages and their framing, the JSON schema or tool definition), counted with OpenAI's own tokenizers (jtokkit).
 * Anthropic's and Gemini's tokenizers are not public; o200k_base undercounts them, so their estimates carry a margin.
 * Whatever difference remains is learned from the providers' own counts (pipeline/TokenCalibration).
 */
public final class TokenEstimator {

    /** The chat template wraps a request in a few tokens the wire text does not show. */
    private static final int PER_REQUEST_OVERHEAD = 3;
    private static final double OTHER_PROVIDER_MARGIN = 1.15;
    /** Shorter item texts are not worth splitting the count for. */
    private static final int MIN_VARYING = 64;
    private static final int SHARED_COUNTS = 64;

    // loaded on first use (a second or so each): commands that take nothing in never pay for it
    private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();

    /** Requests' shared parts counted (text and model → tokens), the most recently used few. */
    private final Map<String, Integer> sharedCounts = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                    return size() > SHARED_COUNTS;
                }
            });

    /** {@code sent}: the request as sent (its batch line), or its prompts when no adapter can render it. */
    public int estimate(String provider, String model, String sent) {
        return withOverhead(provider, encodingFor(model).countTokensOrdinary(sent));
    }

    /**
     * As {@link #estimate(String, String, String)}, where {@code varying}, found in {@code sent}, is the part that
     * changes from one request to the next (the item's text): the rest, the same for every request of a template, is
     * counted once and remembered, so each request costs only its own text. Counted apart, the two sides of each
     * seam may tokenize a little differently (a token or two per request).
     */
    public int estimate(String provider, String model, String sent, String varying) {
        int at = varying.length() < MIN_VARYING ? -1 : sent.indexOf(varying);
        if (at < 0) {
            return estimate(provider, model, sent);
        }
        Encoding encoding = encodingFor(model);
        String shared = sent.substring(0, at) + '\u0000' + sent.substring(at + varying.length());
        int sharedTokens = sharedCounts.computeIfAbsent(model + '\u0000' + shared,
                k -> encoding.countTokensOrdinary(sent.substring(0, at))
                        + encoding.countTokensOrdinary(sent.substring(at + varying.length())));
        return withOverhead(provider, sharedTokens + encoding.countTokensOrdinary(varying));
    }

    private static int withOverhead(String provider, int counted) {
        int tokens = PER_REQUEST_OVERHEAD + counted;
        if (!provider.startsWith("openai") && !provider.equals("azure")) {
            tokens = (int) Math.ceil(tokens * OTHER_PROVIDER_MARGIN);
        }
        return tokens;
    }

    /**
     * An image's input tokens by its provider's published rule. OpenAI (high detail, the most it can cost): the image
     * fitted into 2048×2048, its short side scaled to 768, then 85 + 170 per 512-pixel tile. Anthropic: width × height
     * / 750, after fitting its long side into 1568. Gemini: 258 when both sides are at most 384, else 258 per
     * 768-pixel tile.
     */
    public static int imageTokens(String provider, int width, int height) {
        if (provider.startsWith("anthropic")) {
            double scale = Math.min(1.0, 1568.0 / Math.max(width, height));
            return (int) Math.ceil(Math.round(width * scale) * (double) Math.round(height * scale) / 750);
        }
        if (provider.startsWith("gemini")) {
            return width <= 384 && height <= 384 ? 258
                    : 258 * (int) (Math.ceil(width / 768.0) * Math.ceil(height / 768.0));
        }
        double w = width;
        double h = height;
        double fit = Math.min(1.0, 2048 / Math.max(w, h));
        w *= fit;
        h *= fit;
        double shortSide = Math.min(1.0, 768 / Math.min(w, h));
        w *= shortSide;
        h *= shortSide;
        return 85 + 170 * (int) (Math.ceil(w / 512) * Math.ceil(h / 512));
    }

    private Encoding encodingFor(String model) {
        String m = model.toLowerCase(java.util.Locale.ROOT);
        // OpenAI's embedding models still use cl100k_base
        boolean legacy = m.startsWith("gpt-4-") || m.equals("gpt-4") || m.startsWith("gpt-3.5")
                || m.startsWith("text-embedding-");
        return registry.getEncoding(legacy ? EncodingType.CL100K_BASE : EncodingType.O200K_BASE);
    }
}
