package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic answers: the same model and prompt always give the same answer, on any machine. The seed is a
 * SHA-256 of model and prompt; every choice after that comes from a {@link SplittableRandom}, whose sequence is
 * specified by the JDK.
 */
final class Answers {

    /**
     * @param text        the answer as text (structured answers serialised as JSON)
     * @param structured  the structured answer (SCHEMA, JSON_OBJECT, TOOL), else null
     * @param inputTokens prompt tokens
     * @param outputTokens answer tokens
     * @param seed        the answer's seed, for ids and vectors that must be stable too
     */
    record Answer(String text, JsonNode structured, int inputTokens, int outputTokens, long seed) {
    }

    private Answers() {
    }

    /**
     * The answer to a request, reporting {@code inputTokens} as its prompt tokens; {@code invalid} makes a structured
     * answer violate its schema on purpose, and {@code faults}' micro-batch knobs leave items out of a micro-batch
     * answer or answer them against their schema.
     */
    static Answer answer(ParsedRequest req, int inputTokens, boolean invalid, ProviderFaults faults) {
        long seed = seed(req.model(), req.promptText());
        SplittableRandom rnd = new SplittableRandom(seed);
        PromptWords words = PromptWords.of(req.userText().isBlank() ? req.promptText() : req.userText());
        JsonNode structured = switch (req.kind()) {
            case SCHEMA, TOOL -> invalid ? SchemaInstances.invalid(req.schema(), rnd, words)
                    : spoilMicroBatch(SchemaInstances.generate(req.schema(), rnd, words), req.schema(), faults, rnd,
                            words);
            case JSON_OBJECT -> Json.object().put("answer", words.sentence(rnd, 4, 12));
            case TEXT, EMBEDDING -> null;
        };
        String text = switch (req.kind()) {
            case TEXT -> text(words, rnd, req.maxOutputTokens());
            case EMBEDDING -> "";
            default -> structured.toString();
        };
        int outputTokens = req.kind() == ParsedRequest.Kind.EMBEDDING ? 0 : Math.max(1, Tokens.of(text));
        return new Answer(text, structured, inputTokens, outputTokens, seed);
    }

    /**
     * A micro-batch answer (an object schema of at least two properties, all required, all with one schema: one
     * answer per item id) with its first {@code groupMissingIds} items left out and the next {@code groupInvalidIds}
     * answered against the item schema; any other answer as it is.
     */
    private static JsonNode spoilMicroBatch(JsonNode answer, JsonNode schema, ProviderFaults faults,
                                            SplittableRandom rnd, PromptWords words) {
        int missing = faults.groupMissingIds();
        int invalid = faults.groupInvalidIds();
        if (missing + invalid == 0 || !(answer instanceof ObjectNode obj) || !isMicroBatch(schema)) {
            return answer;
        }
        List<String> ids = new ArrayList<>();
        schema.path("properties").fieldNames().forEachRemaining(ids::add);
        for (int i = 0; i < ids.size() && i < missing + invalid; i++) {
            if (i < missing) {
                obj.remove(ids.get(i));
            } else {
                obj.set(ids.get(i), SchemaInstances.invalid(schema.path("properties").path(ids.get(i)), rnd, words));
            }
        }
        return obj;
    }

    private static boolean isMicroBatch(JsonNode schema) {
        JsonNode properties = schema.path("properties");
        if (!schema.path("type").asText().equalsIgnoreCase("object") || properties.size() < 2
                || schema.path("required").size() != properties.size()) {
            return false;
        }
        JsonNode first = properties.elements().next();
        for (JsonNode r : schema.path("required")) {
            if (!properties.has(r.asText()) || !properties.get(r.asText()).equals(first)) {
                return false;
            }
        }
        return true;
    }

    /** A few sentences of prompt words, kept within the answer budget (4 bytes a token). */
    private static String text(PromptWords words, SplittableRandom rnd, int maxOutputTokens) {
        int sentences = 1 + rnd.nextInt(3);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sentences; i++) {
            sb.append(i == 0 ? "" : " ").append(words.sentence(rnd, 5, 14));
        }
        int maxChars = Math.max(4, maxOutputTokens * 4);
        return sb.length() > maxChars ? sb.substring(0, maxChars).trim() : sb.toString();
    }

    /** OpenAI's {@code data} of an embeddings response: {@link #vectors}, one item per input. */
    static ArrayNode embeddings(Answer answer, int inputs, int dimensions) {
        ArrayNode data = Json.MAPPER.createArrayNode();
        List<float[]> vectors = vectors(answer, inputs, dimensions);
        for (int i = 0; i < vectors.size(); i++) {
            ArrayNode vector = data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
            for (float x : vectors.get(i)) {
                vector.add(x);
            }
        }
        return data;
    }

    /**
     * Unit vectors of floats derived from the answer seed (SHA-256 of model and input text), one per input, whatever
     * the protocol: a request of one input answers {@link #vector} of its model and text.
     */
    static List<float[]> vectors(Answer answer, int inputs, int dimensions) {
        List<float[]> vectors = new ArrayList<>(inputs);
        SplittableRandom rnd = new SplittableRandom(answer.seed());
        for (int i = 0; i < inputs; i++) {
            double[] v = new double[dimensions];
            double norm = 0;
            for (int d = 0; d < dimensions; d++) {
                v[d] = rnd.nextDouble() * 2 - 1;
                norm += v[d] * v[d];
            }
            norm = Math.sqrt(norm);
            float[] unit = new float[dimensions];
            for (int d = 0; d < dimensions; d++) {
                unit[d] = (float) (v[d] / norm);
            }
            vectors.add(unit);
        }
        return vectors;
    }

    /** The vector the sandbox answers for one input {@code text} to {@code model}. */
    static float[] vector(String model, String text, int dimensions) {
        return vectors(new Answer("", null, 0, 0, seed(model, text)), 1, dimensions).get(0);
    }

    static long seed(String model, String prompt) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(String.valueOf(model).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            byte[] digest = sha.digest(String.valueOf(prompt).getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A stable fraction in [0, 1) for a batch line, so per-line faults repeat on a re-run but not on a resubmit. */
    static double lineFraction(String batchId, String customId, String purpose) {
        return (seed(batchId + "\u0000" + purpose, customId) >>> 11) / (double) (1L << 53);
    }
}
