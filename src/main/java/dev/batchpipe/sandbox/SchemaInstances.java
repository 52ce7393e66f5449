package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.BinaryOperator;
import java.util.regex.Pattern;

/**
 * Builds a JSON instance that satisfies a schema: JSON Schema as OpenAI and Anthropic take it, and Gemini's
 * OpenAPI subset (upper-case types, int64 bounds as strings, {@code nullable}). Required properties are always
 * present; enums, optional properties, sizes and numbers are chosen by the caller's seeded random; strings come from
 * the prompt's words, picked by what the property is called. Supported: type (also as a list), properties, required,
 * items/prefixItems, enum, const, anyOf/oneOf (one branch), allOf (objects merged), local {@code $ref}, minimum /
 * maximum (inclusive and exclusive), multipleOf, minItems / maxItems / uniqueItems, minLength / maxLength, simple
 * formats. A {@code pattern} is honoured only when some prompt word happens to match it.
 */
final class SchemaInstances {

    private static final int MAX_DEPTH = 10;
    private static final Pattern ENTITY_NAME = Pattern.compile(
            "(?i).*(name|entity|entities|person|people|organi[sz]ation|company|org|location|place|city|country|author"
                    + "|brand|product|speaker|who).*");
    private static final Pattern TOPIC_NAME = Pattern.compile(
            "(?i).*(topic|keyword|tag|category|categories|label|theme|subject|sector|genre|type|kind).*");
    private static final Pattern SENTENCE_NAME = Pattern.compile(
            "(?i).*(summary|description|reason|explanation|rationale|justification|evidence|quote|sentence|text"
                    + "|title|headline|comment|note|answer|content).*");

    private final JsonNode root;
    private final SplittableRandom rnd;
    private final PromptWords words;

    private SchemaInstances(JsonNode root, SplittableRandom rnd, PromptWords words) {
        this.root = root;
        this.rnd = rnd;
        this.words = words;
    }

    static JsonNode generate(JsonNode schema, SplittableRandom rnd, PromptWords words) {
        return new SchemaInstances(schema, rnd, words).value(schema, "", 0);
    }

    /**
     * An instance that does NOT validate: an object missing a required property, or a value of the wrong type.
     * Used by the invalid-answer fault to exercise a pipeline's validation.
     */
    static JsonNode invalid(JsonNode schema, SplittableRandom rnd, PromptWords words) {
        SchemaInstances gen = new SchemaInstances(schema, rnd, words);
        JsonNode s = gen.resolve(schema);
        JsonNode valid = gen.value(s, "", 0);
        if (valid instanceof ObjectNode obj) {
            JsonNode required = s.get("required");
            if (required != null && required.size() > 0) {
                obj.remove(required.get(0).asText());
                return obj;
            }
            return TextNode.valueOf("not an object");
        }
        return valid.isTextual() ? LongNode.valueOf(0) : TextNode.valueOf("not a " + gen.type(s));
    }

    private JsonNode resolve(JsonNode s) {
        for (int i = 0; i < 32 && s != null && s.has("$ref"); i++) {
            String ref = s.get("$ref").asText();
            if (!ref.startsWith("#")) {
                return JsonNodeFactory.instance.objectNode();
            }
            JsonNode target = ref.length() == 1 ? root : root.at(ref.substring(1));
            s = target.isMissingNode() ? JsonNodeFactory.instance.objectNode() : target;
        }
        return s;
    }

    private JsonNode value(JsonNode schema, String name, int depth) {
        JsonNode s = resolve(schema);
        if (s == null || !s.isObject() || s.isEmpty()) {
            return TextNode.valueOf(string(JsonNodeFactory.instance.objectNode(), name));
        }
        if (s.has("const")) {
            return s.get("const").deepCopy();
        }
        JsonNode en = s.get("enum");
        if (en != null && en.isArray() && en.size() > 0) {
            return en.get(rnd.nextInt(en.size())).deepCopy();
        }
        JsonNode branches = s.has("anyOf") ? s.get("anyOf") : s.get("oneOf");
        if (branches != null && branches.isArray() && branches.size() > 0) {
            return value(pickBranch(branches), name, depth);
        }
        JsonNode allOf = s.get("allOf");
        if (allOf != null && allOf.isArray() && allOf.size() > 0) {
            return allOf(s, allOf, name, depth);
        }
        return switch (type(s)) {
            case "object" -> object(s, depth);
            case "array" -> array(s, name, depth);
            case "integer" -> integer(s);
            case "number" -> number(s);
            case "boolean" -> BooleanNode.valueOf(rnd.nextBoolean());
            case "null" -> NullNode.instance;
            default -> TextNode.valueOf(string(s, name));
        };
    }

    /**
     * A non-null branch when there is one, so nullable fields still carry data. No draw when there is only one
     * choice: {@code anyOf: [X, {type: null}]} then answers exactly like Gemini's {@code X} with {@code nullable}, so
     * every provider's encoding of the same schema gets the same answer.
     */
    private JsonNode pickBranch(JsonNode branches) {
        List<JsonNode> nonNull = new ArrayList<>();
        for (JsonNode b : branches) {
            if (!"null".equals(type(resolve(b)))) {
                nonNull.add(b);
            }
        }
        List<JsonNode> pool = nonNull.isEmpty() ? List.of(branches.get(0)) : nonNull;
        return pool.size() == 1 ? pool.get(0) : pool.get(rnd.nextInt(pool.size()));
    }

    private JsonNode allOf(JsonNode s, JsonNode allOf, String name, int depth) {
        ObjectNode merged = JsonNodeFactory.instance.objectNode();
        for (JsonNode part : allOf) {
            JsonNode v = value(part, name, depth);
            if (!(v instanceof ObjectNode obj)) {
                return v;
            }
            merged.setAll(obj);
        }
        if (s.has("properties")) {
            merged.setAll((ObjectNode) object(s, depth));
        }
        return merged;
    }

    String type(JsonNode s) {
        JsonNode t = s.get("type");
        if (t != null && t.isArray()) {
            for (JsonNode option : t) {
                if (!"null".equalsIgnoreCase(option.asText())) {
                    return option.asText().toLowerCase(Locale.ROOT);
                }
            }
            return "null";
        }
        if (t != null && t.isTextual()) {
            // Gemini writes OBJECT, STRING, …
            return t.asText().toLowerCase(Locale.ROOT);
        }
        if (s.has("properties") || s.has("required")) {
            return "object";
        }
        if (s.has("items") || s.has("prefixItems")) {
            return "array";
        }
        return "string";
    }

    private JsonNode object(JsonNode s, int depth) {
        ObjectNode obj = JsonNodeFactory.instance.objectNode();
        Set<String> required = new HashSet<>();
        Json.elements(s.get("required")).forEach(r -> required.add(r.asText()));
        JsonNode props = s.get("properties");
        Set<String> order = new LinkedHashSet<>();
        Json.elements(s.get("propertyOrdering")).forEach(p -> order.add(p.asText()));
        if (props != null && props.isObject()) {
            props.fieldNames().forEachRemaining(order::add);
        }
        for (String prop : order) {
            boolean include = required.contains(prop) || (depth < MAX_DEPTH && rnd.nextInt(10) < 7);
            if (include) {
                JsonNode ps = props == null ? null : props.get(prop);
                obj.set(prop, value(ps, prop, depth + 1));
            }
        }
        for (String r : required) {
            if (!obj.has(r)) {
                obj.set(r, TextNode.valueOf(words.word(rnd)));
            }
        }
        return obj;
    }

    private JsonNode array(JsonNode s, String name, int depth) {
        ArrayNode arr = JsonNodeFactory.instance.arrayNode();
        long min = bound(s, "minItems", 0);
        long max = bound(s, "maxItems", Long.MAX_VALUE);
        long lo = depth >= MAX_DEPTH ? min : Math.max(min, Math.min(1, max));
        long hi = Math.min(max, lo + 2);
        long n = lo + (hi > lo ? rnd.nextLong(hi - lo + 1) : 0);
        JsonNode prefix = s.get("prefixItems");
        JsonNode items = s.get("items");
        boolean unique = s.path("uniqueItems").asBoolean(false);
        Set<JsonNode> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            JsonNode itemSchema = prefix != null && i < prefix.size() ? prefix.get(i) : items;
            JsonNode v = value(itemSchema, singular(name), depth + 1);
            for (int attempt = 0; unique && seen.contains(v) && attempt < 10; attempt++) {
                v = value(itemSchema, singular(name), depth + 1);
            }
            if (unique && !seen.add(v)) {
                if (arr.size() >= min) {
                    break;
                }
            }
            arr.add(v);
        }
        return arr;
    }

    private static String singular(String name) {
        return name.endsWith("s") ? name.substring(0, name.length() - 1) : name;
    }

    private JsonNode integer(JsonNode s) {
        long lo = lowerBound(s).setScale(0, RoundingMode.CEILING).longValueExact();
        long hi = upperBound(s).setScale(0, RoundingMode.FLOOR).longValueExact();
        if (exclusive(s, "exclusiveMinimum", "minimum") && BigDecimal.valueOf(lo).compareTo(lowerBound(s)) == 0) {
            lo++;
        }
        if (exclusive(s, "exclusiveMaximum", "maximum") && BigDecimal.valueOf(hi).compareTo(upperBound(s)) == 0) {
            hi--;
        }
        long[] range = defaultRange(lo, hi, hasLower(s), hasUpper(s));
        long v = range[1] > range[0] ? range[0] + rnd.nextLong(range[1] - range[0] + 1) : range[0];
        JsonNode multipleOf = s.get("multipleOf");
        if (multipleOf != null && multipleOf.canConvertToLong() && multipleOf.asLong() > 0) {
            long m = multipleOf.asLong();
            long up = Math.floorDiv(v + m - 1, m) * m;
            v = up <= range[1] ? up : Math.floorDiv(v, m) * m;
        }
        return LongNode.valueOf(v);
    }

    private JsonNode number(JsonNode s) {
        BigDecimal lo = lowerBound(s);
        BigDecimal hi = upperBound(s);
        boolean hasLo = hasLower(s);
        boolean hasHi = hasUpper(s);
        if (!hasLo && !hasHi) {
            lo = BigDecimal.ZERO;
            hi = BigDecimal.valueOf(100);
        } else if (!hasHi) {
            hi = lo.add(BigDecimal.valueOf(100));
        } else if (!hasLo) {
            lo = hi.subtract(BigDecimal.valueOf(100));
        }
        BigDecimal span = hi.subtract(lo);
        BigDecimal v = lo.add(span.multiply(BigDecimal.valueOf(rnd.nextDouble()))).setScale(2, RoundingMode.HALF_UP);
        // rounding can step onto or past a bound; the midpoint is always inside an open or closed interval
        boolean outside = v.compareTo(lo) < 0 || v.compareTo(hi) > 0
                || (exclusive(s, "exclusiveMinimum", "minimum") && v.compareTo(lo) == 0)
                || (exclusive(s, "exclusiveMaximum", "maximum") && v.compareTo(hi) == 0);
        if (outside) {
            v = lo.add(hi).divide(BigDecimal.valueOf(2));
        }
        return DecimalNode.valueOf(v.stripTrailingZeros().scale() < 0 ? v.setScale(0) : v.stripTrailingZeros());
    }

    private static long[] defaultRange(long lo, long hi, boolean hasLo, boolean hasHi) {
        if (!hasLo && !hasHi) {
            return new long[] {0, 100};
        }
        if (!hasHi) {
            return new long[] {lo, lo + 100};
        }
        if (!hasLo) {
            return new long[] {hi - 100, hi};
        }
        return new long[] {lo, Math.max(lo, hi)};
    }

    private static boolean hasLower(JsonNode s) {
        return numeric(s, "minimum") != null || numeric(s, "exclusiveMinimum") != null;
    }

    private static boolean hasUpper(JsonNode s) {
        return numeric(s, "maximum") != null || numeric(s, "exclusiveMaximum") != null;
    }

    private static BigDecimal lowerBound(JsonNode s) {
        return bound(numeric(s, "minimum"), numeric(s, "exclusiveMinimum"), BigDecimal::max);
    }

    private static BigDecimal upperBound(JsonNode s) {
        return bound(numeric(s, "maximum"), numeric(s, "exclusiveMaximum"), BigDecimal::min);
    }

    /** The tighter of an inclusive and an exclusive bound, whichever are given; zero when neither is. */
    private static BigDecimal bound(BigDecimal inclusive, BigDecimal exclusive, BinaryOperator<BigDecimal> tighter) {
        if (inclusive == null) {
            return exclusive == null ? BigDecimal.ZERO : exclusive;
        }
        return exclusive == null ? inclusive : tighter.apply(inclusive, exclusive);
    }

    /** Draft 2020 writes exclusive bounds as numbers, draft 4 as booleans next to minimum/maximum. */
    private static boolean exclusive(JsonNode s, String exclusiveName, String inclusiveName) {
        JsonNode ex = s.get(exclusiveName);
        if (ex == null) {
            return false;
        }
        if (ex.isBoolean()) {
            return ex.asBoolean();
        }
        // a numeric exclusive bound binds unless the inclusive one is tighter
        BigDecimal inclusive = numeric(s, inclusiveName);
        if (inclusive == null) {
            return true;
        }
        int c = numeric(s, exclusiveName).compareTo(inclusive);
        return "exclusiveMinimum".equals(exclusiveName) ? c >= 0 : c <= 0;
    }

    private static BigDecimal numeric(JsonNode s, String name) {
        JsonNode v = s.get(name);
        if (v == null || v.isBoolean()) {
            return null;
        }
        if (v.isNumber()) {
            return v.decimalValue();
        }
        try {
            return v.isTextual() ? new BigDecimal(v.asText().trim()) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long bound(JsonNode s, String name, long fallback) {
        Long v = Json.integer(s, name);
        return v == null ? fallback : Math.max(0, v);
    }

    private String string(JsonNode s, String name) {
        String format = Json.text(s, "format");
        String v = format == null ? null : formatted(format.toLowerCase(Locale.ROOT));
        if (v == null) {
            v = byName(name);
        }
        long min = bound(s, "minLength", 0);
        long max = bound(s, "maxLength", Long.MAX_VALUE);
        String patternText = Json.text(s, "pattern");
        if (patternText != null) {
            v = matching(Pattern.compile(patternText), v);
        }
        StringBuilder sb = new StringBuilder(v);
        while (sb.length() < min) {
            sb.append(sb.length() == 0 ? "" : " ").append(words.word(rnd));
        }
        if (sb.length() > max) {
            sb.setLength((int) max);
            while (sb.length() > Math.max(min, 1) && sb.charAt(sb.length() - 1) == ' ') {
                sb.setLength(sb.length() - 1);
            }
        }
        return sb.toString();
    }

    private String byName(String name) {
        if (ENTITY_NAME.matcher(name).matches()) {
            return words.entity(rnd);
        }
        if (TOPIC_NAME.matcher(name).matches()) {
            return words.topic(rnd);
        }
        if (SENTENCE_NAME.matcher(name).matches()) {
            return words.sentence(rnd, 6, 16);
        }
        return rnd.nextBoolean() ? words.entity(rnd) : words.topic(rnd);
    }

    private String matching(Pattern pattern, String candidate) {
        for (int i = 0; i < 40 && !pattern.matcher(candidate).matches(); i++) {
            candidate = i % 2 == 0 ? words.word(rnd) : words.topic(rnd);
        }
        return candidate;
    }

    private String formatted(String format) {
        return switch (format) {
            case "date" -> LocalDate.of(2020, 1, 1).plusDays(rnd.nextInt(2500)).toString();
            case "date-time" -> Instant.ofEpochSecond(1_577_836_800L + rnd.nextLong(200_000_000L)).toString();
            case "time" -> String.format(Locale.ROOT, "%02d:%02d:%02d", rnd.nextInt(24), rnd.nextInt(60),
                    rnd.nextInt(60));
            case "email" -> slug(words.word(rnd)) + "@example.com";
            case "uri", "url", "iri" -> "https://example.com/" + slug(words.topic(rnd));
            case "hostname" -> slug(words.word(rnd)) + ".example.com";
            case "ipv4" -> "192.0.2." + (1 + rnd.nextInt(254));
            case "uuid" -> new UUID((rnd.nextLong() & ~0xF000L) | 0x4000L,
                    (rnd.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
            default -> null;
        };
    }

    private static String slug(String text) {
        String s = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
        return s.isEmpty() ? "sandbox" : s;
    }
}
