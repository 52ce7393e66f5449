package dev.batchpipe.task;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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

    // loaded on first use (a second or so each): commands that take nothing in never pay for it
    private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
    /** By model name: looked up once, not per request. */
    private final Map<String, Words> encodings = new ConcurrentHashMap<>();

    /** {@code sent}: the request as sent (its batch line), or its prompts when no adapter can render it. */
    public int estimate(String provider, String model, String sent) {
        return withOverhead(provider, encodingFor(model).count(sent));
    }

    /** Whether {@code varying} is long enough to be counted apart from the rest of its request. */
    public static boolean splits(String varying) {
        return varying.length() >= MIN_VARYING;
    }

    /**
     * The tokens of {@code sent} less {@code varying}, the part that changes from one request to the next (the item's
     * text), counted on each side of it: the same for every request of a template, so its callers count it once and
     * then each request only for its own text ({@link #estimate(String, String, int, String)}). -1 when
     * {@code varying} is too short to split for ({@link #splits}) or not in {@code sent}. Counted apart, the two sides
     * of each seam may tokenize a little differently (a token or two per request).
     */
    public int frameTokens(String model, String sent, String varying) {
        int at = splits(varying) ? sent.indexOf(varying) : -1;
        if (at < 0) {
            return -1;
        }
        Words encoding = encodingFor(model);
        return encoding.count(sent.substring(0, at)) + encoding.count(sent.substring(at + varying.length()));
    }

    /** A request of {@code frameTokens} ({@link #frameTokens}) around {@code varying}. */
    public int estimate(String provider, String model, int frameTokens, String varying) {
        return withOverhead(provider, frameTokens + encodingFor(model).count(varying));
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

    private Words encodingFor(String model) {
        return encodings.computeIfAbsent(model, m -> new Words(encodingOf(m)));
    }

    private Encoding encodingOf(String model) {
        String m = model.toLowerCase(java.util.Locale.ROOT);
        // OpenAI's embedding models still use cl100k_base
        boolean legacy = m.startsWith("gpt-4-") || m.equals("gpt-4") || m.startsWith("gpt-3.5")
                || m.startsWith("text-embedding-");
        return registry.getEncoding(legacy ? EncodingType.CL100K_BASE : EncodingType.O200K_BASE);
    }

    /**
     * An encoding's counts, a word at a time, the words' counts remembered: most of a text's words were seen before,
     * and looking one up costs a fraction of tokenizing it (jtokkit's pre-tokenizing regex, then its byte-pair merges).
     * The sum is exactly the text's count: a text is cut only before a space between two letters, where OpenAI's
     * pre-tokenizing patterns (cl100k_base, o200k_base) always end one piece and start the next (a run of letters
     * ends its piece, and a space before a letter starts one), and tokens never cross pieces.
     */
    static final class Words {
        /** Words longer than this are counted, not remembered. */
        private static final int MAX_WORD = 32;
        /** Remembered words at most (a few MB); all are forgotten when full, to follow what the texts are now. */
        private static final int MAX_WORDS = 65_536;

        private final Encoding encoding;
        private final Map<String, Integer> counts = new ConcurrentHashMap<>();

        Words(Encoding encoding) {
            this.encoding = encoding;
        }

        int count(String text) {
            int tokens = 0;
            int from = 0;
            for (int i = 1; i + 1 < text.length(); i++) {
                if (text.charAt(i) == ' ' && Character.isLetter(text.charAt(i - 1))
                        && Character.isLetter(text.charAt(i + 1))) {
                    tokens += word(text, from, i);
                    from = i;
                }
            }
            return tokens + word(text, from, text.length());
        }

        private int word(String text, int from, int to) {
            if (to - from > MAX_WORD) {
                return encoding.countTokensOrdinary(text.substring(from, to));
            }
            String word = text.substring(from, to);
            Integer known = counts.get(word);
            if (known != null) {
                return known;
            }
            int counted = encoding.countTokensOrdinary(word);
            if (counts.size() >= MAX_WORDS) {
                counts.clear();
            }
            counts.put(word, counted);
            return counted;
        }
    }
}
