package dev.batchpipe.sandbox;

/**
 * The sandbox's token estimate: UTF-8 bytes / 4, rounded up. Good enough for throughput, quotas and usage blocks,
 * and identical on every provider so tests can predict it.
 */
final class Tokens {

    /** Assumed answer budget of a request that names no max output tokens. */
    static final int DEFAULT_MAX_OUTPUT_TOKENS = 256;

    private Tokens() {
    }

    static int of(CharSequence text) {
        if (text == null) {
            return 0;
        }
        long bytes = utf8Length(text);
        return (int) Math.min(Integer.MAX_VALUE, (bytes + 3) / 4);
    }

    static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
