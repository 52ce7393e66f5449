package dev.batchpipe.task;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

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

    // loaded on first use (a second or so each): commands that take nothing in never pay for it
    private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();

    /** {@code sent}: the request as sent (its batch line), or its prompts when no adapter can render it. */
    public int estimate(String provider, String model, String sent) {
        int tokens = PER_REQUEST_OVERHEAD + encodingFor(model).countTokensOrdinary(sent);
        if (!provider.startsWith("openai") && !provider.equals("azure")) {
            tokens = (int) Math.ceil(tokens * OTHER_PROVIDER_MARGIN);
        }
        return tokens;
    }

    private Encoding encodingFor(String model) {
        String m = model.toLowerCase(java.util.Locale.ROOT);
        // OpenAI's embedding models still use cl100k_base
        boolean legacy = m.startsWith("gpt-4-") || m.equals("gpt-4") || m.startsWith("gpt-3.5")
                || m.startsWith("text-embedding-");
        return registry.getEncoding(legacy ? EncodingType.CL100K_BASE : EncodingType.O200K_BASE);
    }
}
