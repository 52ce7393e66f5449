package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gemini's cached contents ({@code /v1beta/cachedContents}): a system instruction (and contents) kept for a model
 * until its expiry, which generateContent calls name instead of sending it. An expired one is gone: asked for, or
 * named in a call, it answers 404 like one that never existed. Kept in memory: they outlive no sandbox restart, as a
 * provider's caches outlive no TTL.
 */
final class CachedContents {

    /** Gemini's default lifetime when the create names none. */
    private static final long DEFAULT_TTL_MILLIS = 3_600_000;
    private static final Pattern TTL = Pattern.compile("(\\d+)(?:\\.(\\d{1,9}))?s");

    /** A cached content: its text (for the answer and the token count) and its expiry, epoch milliseconds. */
    record Entry(String name, String model, JsonNode systemInstruction, JsonNode contents, String text, int tokens,
                 long createdAt, long expiresAt) {
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** {@code POST /v1beta/cachedContents}: model, systemInstruction and/or contents, and ttl or expireTime. */
    Entry create(JsonNode body, long now) {
        if (!body.isObject()) {
            throw ApiError.invalid("Invalid JSON payload: the cached content must be an object.");
        }
        String model = Json.text(body, "model");
        if (model == null || !model.startsWith("models/")) {
            throw ApiError.invalid("* CachedContent.model: a model named models/{model} is required");
        }
        JsonNode system = Json.field(body, "systemInstruction", "system_instruction");
        JsonNode contents = body.get("contents");
        Prompts prompts = new Prompts();
        if (system != null) {
            prompts.add(system.get("parts"), false);
        }
        if (contents != null) {
            for (JsonNode c : contents) {
                prompts.add(c.get("parts"), false);
            }
        }
        if (prompts.all().isBlank()) {
            throw ApiError.invalid("* CachedContent: systemInstruction or contents must hold some text to cache");
        }
        long expiresAt = expiry(body, now);
        String name = "cachedContents/" + Ids.random("abcdefghijklmnopqrstuvwxyz0123456789", 16);
        Entry e = new Entry(name, model, system, contents, prompts.all(), (int) Tokens.of(prompts.all()), now,
                expiresAt);
        entries.put(name, e);
        return e;
    }

    private static long expiry(JsonNode body, long now) {
        String ttl = Json.text(body, "ttl");
        String expireTime = Json.text(body, "expireTime", "expire_time");
        if (ttl != null && expireTime != null) {
            throw ApiError.invalid("* CachedContent: set ttl or expireTime, not both");
        }
        if (expireTime != null) {
            try {
                return java.time.Instant.parse(expireTime).toEpochMilli();
            } catch (java.time.format.DateTimeParseException e) {
                throw ApiError.invalid("* CachedContent.expire_time: not an RFC 3339 time: " + expireTime);
            }
        }
        if (ttl == null) {
            return now + DEFAULT_TTL_MILLIS;
        }
        Matcher m = TTL.matcher(ttl);
        if (!m.matches()) {
            throw ApiError.invalid("* CachedContent.ttl: a duration in seconds such as \"3600s\" is required, got "
                    + ttl);
        }
        String fraction = m.group(2) == null ? "0" : (m.group(2) + "00").substring(0, 3);
        return now + Long.parseLong(m.group(1)) * 1000 + Long.parseLong(fraction);
    }

    /** The cached content named {@code name}, unless it is unknown or has expired. */
    Optional<Entry> live(String name, long now) {
        Entry e = name == null ? null : entries.get(name);
        if (e != null && e.expiresAt() <= now) {
            entries.remove(name, e);
            e = null;
        }
        return Optional.ofNullable(e);
    }

    /** What a call naming {@code name} gets, or the 404 Gemini answers for one unknown or expired. */
    Entry named(String name, long now) {
        return live(name, now).orElseThrow(() -> ApiError.notFound("CachedContent not found (or permission denied): "
                + name));
    }

    /** The CachedContent resource as Gemini answers it (its contents not echoed back). */
    static ObjectNode json(Entry e) {
        ObjectNode o = Json.object();
        o.put("name", e.name());
        o.put("model", e.model());
        o.put("createTime", Json.rfc3339(e.createdAt()));
        o.put("updateTime", Json.rfc3339(e.createdAt()));
        o.put("expireTime", Json.rfc3339(e.expiresAt()));
        o.putObject("usageMetadata").put("totalTokenCount", e.tokens());
        return o;
    }
}
