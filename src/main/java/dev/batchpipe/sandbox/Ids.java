package dev.batchpipe.sandbox;

import java.util.concurrent.ThreadLocalRandom;

/** Provider-shaped identifiers: {@code file-…}, {@code batch_…}, {@code msgbatch_…}, {@code batches/…}, … */
final class Ids {

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final String LOWER = "0123456789abcdefghijklmnopqrstuvwxyz";
    private static final String HEX = "0123456789abcdef";

    private Ids() {
    }

    static String openAiFile() {
        return "file-" + random(BASE62, 22);
    }

    static String openAiBatch() {
        return "batch_" + random(HEX, 32);
    }

    static String openAiBatchRequest() {
        return "batch_req_" + random(HEX, 32);
    }

    static String openAiRequest() {
        return "req_" + random(HEX, 32);
    }

    static String anthropicBatch() {
        return "msgbatch_01" + random(BASE62, 22);
    }

    static String anthropicRequest() {
        return "req_01" + random(BASE62, 22);
    }

    static String geminiBatch() {
        return "batches/" + random(LOWER, 20);
    }

    static String geminiFile() {
        return "files/" + random(LOWER, 12);
    }

    static String uploadSession() {
        return random(BASE62, 32);
    }

    static String random(String alphabet, int length) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** Deterministic id text from a seed, for ids inside answers that must not change between identical calls. */
    static String seeded(String prefix, long seed, int length) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < length; i++) {
            sb.append(BASE62.charAt(rnd.nextInt(BASE62.length())));
        }
        return sb.toString();
    }
}
