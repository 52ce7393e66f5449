package dev.batchpipe.task;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Input-token estimates for packing and quota, with OpenAI's own tokenizers (jtokkit). Other providers' tokenizers
 * are not public; o200k_base slightly undercounts them, so their estimates carry a safety margin.
 */
public final class TokenEstimator {

    /** Chat formatting adds a few tokens per message and per request. */
    private static final int PER_MESSAGE_OVERHEAD = 4;
    private static final int PER_REQUEST_OVERHEAD = 3;
    private static final double OTHER_PROVIDER_MARGIN = 1.15;

    // loaded on first use (a second or so each): commands that take nothing in never pay for it
    private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();

    public int estimate(String provider, String model, String system, String user) {
        Encoding enc = encodingFor(model);
        int tokens = PER_REQUEST_OVERHEAD;
        if (system != null && !system.isEmpty()) {
            tokens += enc.countTokensOrdinary(system) + PER_MESSAGE_OVERHEAD;
        }
        tokens += enc.countTokensOrdinary(user) + PER_MESSAGE_OVERHEAD;
        if (!provider.startsWith("openai") && !provider.equals("azure")) {
            tokens = (int) Math.ceil(tokens * OTHER_PROVIDER_MARGIN);
        }
        return tokens;
    }

    private Encoding encodingFor(String model) {
        String m = model.toLowerCase(java.util.Locale.ROOT);
        boolean legacy = m.startsWith("gpt-4-") || m.equals("gpt-4") || m.startsWith("gpt-3.5");
        return registry.getEncoding(legacy ? EncodingType.CL100K_BASE : EncodingType.O200K_BASE);
    }
}
