package dev.batchpipe.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.provider.BatchProvider;
import dev.batchpipe.provider.ProviderLimits;
import dev.batchpipe.provider.Providers;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Packs pending requests into provider batches. Per provider + model + endpoint, requests are taken by priority
 * (higher first) then age, until the batch would exceed the provider's request count or file size, the
 * enqueued-token quota left for the model, or the room left in the provider's queue of requests. The quota is a
 * ledger in PostgreSQL, updated under an advisory lock, so every instance on the database sees the same balance. A
 * request that could never fit is dead-lettered.
 *
 * <p>Each batch is one transaction: batch row, requests marked batched, quota reserved. Nothing is sent here.
 */
public final class BatchPacker {

    private static final Logger LOG = LoggerFactory.getLogger(BatchPacker.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final Providers providers;
    private final RequestRenderer renderer;
    private final RequestStates states;
    private final JobCompletion completion;

    public BatchPacker(Jdbi jdbi, Providers providers, RequestRenderer renderer, RequestStates states,
                       JobCompletion completion) {
        this.jdbi = jdbi;
        this.providers = providers;
        this.renderer = renderer;
        this.states = states;
        this.completion = completion;
    }

    private record Group(String provider, String model, String endpoint) {
    }

    private record Candidate(long id, String task, String template, int tokens, int submissions, String payload) {
    }

    /** Packs everything that is due; returns the ids of the new batches. */
    public List<Long> packPending() {
        List<Group> groups = jdbi.withHandle(h -> h.createQuery("""
                        SELECT DISTINCT r.provider, r.model, r.endpoint FROM requests r JOIN jobs j ON j.id = r.job_id
                        WHERE r.state = 'pending' AND (r.not_before IS NULL OR r.not_before <= now())
                          AND j.status <> 'receiving'""")
                .map((rs, ctx) -> new Group(rs.getString(1), rs.getString(2), rs.getString(3))).list());
        List<Long> batches = new ArrayList<>();
        for (Group g : groups) {
            if (!providers.has(g.provider())) {
                deadLetterGroup(g, "provider " + g.provider() + " is not configured");
                continue;
            }
            if (providers.holds().containsKey(g.provider())) {
                continue; // no key, and the sandbox may not answer: its requests wait (the service said why at start)
            }
            Long batch;
            while ((batch = jdbi.inTransaction(h -> packOne(h, g))) != null) {
                batches.add(batch);
            }
        }
        jdbi.useTransaction(completion::complete);
        return batches;
    }

    /** One batch for the group, or null when nothing (more) can go now. */
    private Long packOne(Handle h, Group g) {
        BatchProvider provider = providers.get(g.provider());
        ProviderLimits limits = provider.limits();
        h.createQuery("SELECT pg_advisory_xact_lock(hashtext(:k))").bind("k", "quota:" + g.provider() + ":" + g.model())
                .mapTo(String.class).one();
        long quota = limits.enqueuedTokens(g.model());
        long available = Long.MAX_VALUE;
        if (quota > 0) {
            long used = h.createQuery("SELECT coalesce(sum(tokens), 0) FROM quota_ledger "
                            + "WHERE provider = :p AND model = :m AND released_at IS NULL")
                    .bind("p", g.provider()).bind("m", g.model()).mapTo(Long.class).one();
            available = quota - used;
        }
        int room = queueRoom(h, g, limits);
        if (room == 0) {
            return null;
        }
        List<Long> ids = new ArrayList<>();
        long bytes = 0;
        long tokens = 0;
        boolean quotaShort = false;
        try (var candidates = h.createQuery("""
                        SELECT r.id, r.task, r.template, r.estimated_tokens, r.submissions, i.payload::text
                        FROM requests r JOIN items i ON i.id = r.item_id JOIN jobs j ON j.id = r.job_id
                        WHERE r.state = 'pending' AND r.provider = :p AND r.model = :m AND r.endpoint = :e
                          AND (r.not_before IS NULL OR r.not_before <= now()) AND j.status <> 'receiving'
                        ORDER BY r.priority DESC, r.id
                        LIMIT :limit
                        FOR UPDATE OF r SKIP LOCKED""")
                .bind("p", g.provider()).bind("m", g.model()).bind("e", g.endpoint())
                .bind("limit", room)
                .setFetchSize(500)
                .map((rs, ctx) -> new Candidate(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                        rs.getInt(5), rs.getString(6)))
                .stream()) {
            Iterator<Candidate> it = candidates.iterator();
            while (it.hasNext()) {
                Candidate c = it.next();
                long lineBytes = lineBytes(provider, c, g) + 1;
                if (quota > 0 && c.tokens() > quota) {
                    states.deadLetter(h, c.id(), "needs about " + c.tokens() + " input tokens, more than the enqueued-token "
                            + "quota of " + quota + " for " + g.provider() + " " + g.model() + ": it can never be submitted", null);
                    continue;
                }
                if (lineBytes > limits.maxBytes()) {
                    states.deadLetter(h, c.id(), "its batch line is " + lineBytes + " bytes, more than the "
                            + limits.maxBytes() + " bytes a " + g.provider() + " batch file may hold", null);
                    continue;
                }
                if (bytes + lineBytes > limits.maxBytes()) {
                    break;
                }
                if (tokens + c.tokens() > available) {
                    quotaShort = true;
                    break;
                }
                ids.add(c.id());
                bytes += lineBytes;
                tokens += c.tokens();
            }
        }
        if (ids.isEmpty()) {
            if (quotaShort) {
                LOG.info("{} {}: waiting for enqueued-token quota ({} of {} tokens in flight)", g.provider(), g.model(),
                        quota - available, quota);
            }
            return null;
        }
        long batchId = h.createQuery("INSERT INTO batches (provider, model, endpoint, request_count, bytes, estimated_tokens, "
                        + "synthetic) VALUES (:p, :m, :e, :n, :bytes, :tokens, :synthetic) RETURNING id")
                .bind("p", g.provider()).bind("m", g.model()).bind("e", g.endpoint()).bind("n", ids.size())
                .bind("bytes", bytes).bind("tokens", tokens).bind("synthetic", providers.sandboxed(g.provider()))
                .mapTo(Long.class).one();
        h.createUpdate("UPDATE requests SET state = 'batched', batch_id = :b, submissions = submissions + 1, "
                        + "not_before = NULL, updated_at = now() "
                        + "WHERE id IN (<ids>)")
                .bind("b", batchId).bindList("ids", ids).execute();
        h.createUpdate("INSERT INTO request_submissions (request_id, batch_id, submission) "
                        + "SELECT id, batch_id, submissions FROM requests WHERE id IN (<ids>)")
                .bindList("ids", ids).execute();
        h.createUpdate("INSERT INTO quota_ledger (batch_id, provider, model, tokens) VALUES (:b, :p, :m, :t)")
                .bind("b", batchId).bind("p", g.provider()).bind("m", g.model()).bind("t", tokens).execute();
        LOG.info("Packed batch {}: {} {} requests to {} {} ({} bytes, ~{} input tokens)", batchId, ids.size(),
                g.endpoint(), g.provider(), g.model(), bytes, tokens);
        return batchId;
    }

    /**
     * How many requests the next batch may take: the provider's per-batch limit, and what is left of the account's
     * queue of requests in unfinished batches (all models) where the provider limits that.
     */
    private static int queueRoom(Handle h, Group g, ProviderLimits limits) {
        if (limits.maxQueuedRequests() <= 0) {
            return limits.maxRequests();
        }
        h.createQuery("SELECT pg_advisory_xact_lock(hashtext(:k))").bind("k", "queue:" + g.provider())
                .mapTo(String.class).one();
        long queued = h.createQuery("SELECT coalesce(sum(request_count), 0) FROM batches WHERE provider = :p "
                        + "AND state IN ('packed', 'uploaded', 'creating', 'submitted')")
                .bind("p", g.provider()).mapTo(Long.class).one();
        int room = (int) Math.max(0, Math.min(limits.maxRequests(), limits.maxQueuedRequests() - queued));
        if (room == 0) {
            LOG.info("{}: waiting for room in the batch queue ({} of {} requests queued)", g.provider(), queued,
                    limits.maxQueuedRequests());
        }
        return room;
    }

    private long lineBytes(BatchProvider provider, Candidate c, Group g) {
        try {
            JsonNode item = JSON.readTree(c.payload());
            return provider.encode(renderer.render(c.id(), c.submissions() + 1, c.task(), c.template(), g.model(),
                    g.endpoint(), item)).length;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored item of request " + c.id() + " is not JSON", e);
        }
    }

    private void deadLetterGroup(Group g, String reason) {
        jdbi.useTransaction(h -> h.createQuery("SELECT id FROM requests WHERE state = 'pending' AND provider = :p "
                        + "AND model = :m AND endpoint = :e FOR UPDATE SKIP LOCKED")
                .bind("p", g.provider()).bind("m", g.model()).bind("e", g.endpoint())
                .mapTo(Long.class).list()
                .forEach(id -> states.deadLetter(h, id, reason, null)));
    }
}
