package dev.batchpipe.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TaskRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The row cache (table {@code row_cache}): the validated answer of an item, keyed by task, request template version
 * and the item's content hash. The ingest {@linkplain #remember remembers} every answer it writes; intake
 * {@linkplain #hits looks up} the requests it creates. A changed prompt, schema or model is another version, so it
 * misses; a sandbox answer is only served to a provider the sandbox answers, never passed off as a real one.
 */
public final class RowCache {

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true);

    private final TaskRegistry tasks;
    private final Providers providers;

    public RowCache(TaskRegistry tasks, Providers providers) {
        this.tasks = tasks;
        this.providers = providers;
    }

    /** A request that the cache answers: its item, the answer and the request the provider gave that answer to. */
    public record Hit(long requestId, String task, String template, JsonNode item, JsonNode answer,
                      long sourceRequestId) {
    }

    /**
     * The version of a request template as sent to {@code provider} and {@code model}: a digest of everything the
     * request is made of besides the item (rows_per_request included: items asked for in groups are asked another way),
     * so the same version and item content make the same request.
     */
    public static String version(TaskDefinition.RequestTemplate t, String provider, String model) {
        ObjectNode made = CANONICAL.createObjectNode().put("provider", provider).put("model", model)
                .put("endpoint", t.endpoint()).put("system", t.system().text()).put("user", t.user().text())
                .put("max_output_tokens", t.maxOutputTokens()).put("rows_per_request", t.rowsPerRequest());
        made.put("temperature", t.temperature());
        made.put("dimensions", t.dimensions());
        made.set("schema", t.answerSchema().schema());
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(CANONICAL.writeValueAsString(made).getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An answer a provider gave a request, to keep. */
    public record Answered(long requestId, String task, String template, String provider, String model,
                           JsonNode answer) {
    }

    /**
     * Keeps the answer a provider gave request {@code requestId} (just written by the ingest, in its transaction),
     * replacing an older one of the same key, but never a real answer by a sandbox one.
     */
    public void remember(Handle h, long requestId, String task, String template, String provider, String model,
                         JsonNode answer, Long batchId) {
        rememberAll(h, List.of(new Answered(requestId, task, template, provider, model, answer)), batchId);
    }

    /** {@link #remember} for a chunk of answers of one batch (or realtime calls), in one statement. */
    public void rememberAll(Handle h, List<Answered> answers, Long batchId) {
        Map<List<String>, String> versions = new HashMap<>();
        Long[] ids = new Long[answers.size()];
        String[] made = new String[answers.size()];
        String[] texts = new String[answers.size()];
        for (int i = 0; i < answers.size(); i++) {
            Answered a = answers.get(i);
            ids[i] = a.requestId();
            made[i] = versions.computeIfAbsent(List.of(a.task(), a.template(), a.provider(), a.model()),
                    k -> version(tasks.get(a.task()).request(a.template()), a.provider(), a.model()));
            texts[i] = a.answer().toString();
        }
        h.createUpdate("""
                        INSERT INTO row_cache (task, template_version, content_hash, answer, request_id, synthetic)
                        SELECT r.task, u.version, i.content_hash, CAST(u.answer AS jsonb), r.id,
                               coalesce((SELECT b.synthetic FROM batches b WHERE b.id = CAST(:batch AS bigint)),
                                        EXISTS (SELECT 1 FROM realtime_answers a WHERE a.request_id = r.id AND a.synthetic))
                        FROM unnest(:ids, :versions, :answers) AS u(id, version, answer)
                        JOIN requests r ON r.id = u.id JOIN items i ON i.id = r.item_id
                        ON CONFLICT (task, template_version, content_hash) DO UPDATE
                          SET answer = EXCLUDED.answer, request_id = EXCLUDED.request_id,
                              synthetic = EXCLUDED.synthetic, answered_at = now()
                          WHERE row_cache.synthetic OR NOT EXCLUDED.synthetic""")
                .bind("ids", ids).bind("versions", made).bind("answers", texts).bind("batch", batchId).execute();
    }

    /** The pending requests of job {@code jobId} for {@code itemIds} that the cache can answer. */
    public List<Hit> hits(Handle h, long jobId, Collection<Long> itemIds) {
        if (itemIds.isEmpty()) {
            return List.of();
        }
        List<Pending> pending = h.createQuery("SELECT id, task, template, provider, model FROM requests "
                        + "WHERE job_id = :job AND item_id IN (<items>) AND state = 'pending'")
                .bind("job", jobId).bindList("items", List.copyOf(itemIds))
                .map((rs, ctx) -> new Pending(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5))).list();
        if (pending.isEmpty()) {
            return List.of();
        }
        Map<String, String> versions = new HashMap<>();
        List<String> keys = pending.stream().map(p -> versions.computeIfAbsent(
                p.task() + "\n" + p.template() + "\n" + p.provider() + "\n" + p.model(),
                k -> version(tasks.get(p.task()).request(p.template()), p.provider(), p.model()))).toList();
        return h.createQuery("""
                        SELECT r.id, r.task, r.template, i.payload::text, c.answer::text, c.request_id
                        FROM unnest(CAST(:ids AS bigint[]), CAST(:versions AS text[])) AS k(request_id, version)
                        JOIN requests r ON r.id = k.request_id JOIN items i ON i.id = r.item_id
                        JOIN row_cache c ON c.task = r.task AND c.template_version = k.version
                             AND c.content_hash = i.content_hash
                        WHERE NOT c.synthetic OR r.provider = ANY(CAST(:sandboxed AS text[]))
                        ORDER BY r.id""")
                .bindArray("ids", Long.class, pending.stream().map(Pending::id).toArray())
                .bindArray("versions", String.class, keys.toArray())
                .bindArray("sandboxed", String.class, providers.names().stream().filter(providers::sandboxed).toArray())
                .map((rs, ctx) -> new Hit(rs.getLong(1), rs.getString(2), rs.getString(3), json(rs.getString(4)),
                        json(rs.getString(5)), rs.getLong(6)))
                .list();
    }

    private record Pending(long id, String task, String template, String provider, String model) {
    }

    private static JsonNode json(String text) {
        try {
            return CANONICAL.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("stored JSON is not JSON", e);
        }
    }
}
