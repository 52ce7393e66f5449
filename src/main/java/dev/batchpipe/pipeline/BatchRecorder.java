package dev.batchpipe.pipeline;

import dev.batchpipe.provider.ProviderLimits;
import java.util.function.Predicate;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a packed batch in one transaction: the batch row, its requests marked batched with their submission, the
 * quota reserved in the ledger, and its input file renamed into place. The draft was packed from a snapshot; under the
 * advisory locks of the model's quota and the provider's queue (the same for every instance on the database) the
 * quota and queue are checked again and every request must still be pending in the submission it was rendered for.
 * Otherwise another packing got there first: nothing is recorded, and what is still pending is packed next time.
 */
public final class BatchRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(BatchRecorder.class);

    private final Jdbi jdbi;
    private final BatchLimits limits;
    private final BatchFiles files;
    private final Predicate<String> synthetic;

    /** {@code synthetic}: whether the built-in sandbox answers a provider (its batches' results are made up). */
    public BatchRecorder(Jdbi jdbi, BatchLimits limits, BatchFiles files, Predicate<String> synthetic) {
        this.jdbi = jdbi;
        this.limits = limits;
        this.files = files;
        this.synthetic = synthetic;
    }

    private static final class Overtaken extends RuntimeException {
        Overtaken(String message) {
            super(message, null, false, false);
        }
    }

    /** The new batch's id, or null when the draft was overtaken. */
    public Long record(BatchDraft d) {
        try {
            long batchId = jdbi.inTransaction(h -> insert(h, d));
            LOG.info("Packed batch {}: {} {} requests to {} {} ({} bytes, ~{} input tokens){}", batchId, d.lines(),
                    d.endpoint(), d.provider(), d.model(), d.bytes(), d.tokens(),
                    d.lines() == d.ids().size() ? "" : ", carrying " + d.ids().size() + " items in micro-batches");
            return batchId;
        } catch (Overtaken e) {
            files.discard(d.file());
            LOG.info("{} {}: a batch of {} requests was not recorded ({}); they are packed again", d.provider(), d.model(),
                    d.ids().size(), e.getMessage());
            return null;
        } catch (RuntimeException e) {
            files.discard(d.file());
            throw e;
        }
    }

    private long insert(Handle h, BatchDraft d) {
        ProviderLimits l = limits.of(d.provider());
        lock(h, "quota:" + d.provider() + ":" + d.model());
        long quota = EnqueuedQuotas.limit(h, d.provider(), d.model(), l.enqueuedTokens(d.model()));
        long used = used(h, d);
        // a lone request larger than a stated quota goes when nothing else is in flight (BatchDraft)
        if (quota > 0 && used + d.tokens() > quota && !(used == 0 && d.lines() == 1)) {
            throw new Overtaken("the enqueued-token quota filled meanwhile");
        }
        if (l.maxQueuedRequests() > 0) {
            lock(h, "queue:" + d.provider());
            long queued = h.createQuery("SELECT coalesce(sum(request_count), 0) FROM batches WHERE provider = :p "
                            + "AND state IN ('packed', 'uploaded', 'creating', 'submitted')")
                    .bind("p", d.provider()).mapTo(Long.class).one();
            if (queued + d.lines() > l.maxQueuedRequests()) {
                throw new Overtaken("the batch queue filled meanwhile");
            }
        }
        long batchId = h.createQuery("INSERT INTO batches (provider, model, endpoint, request_count, bytes, "
                        + "estimated_tokens, synthetic) VALUES (:p, :m, :e, :n, :bytes, :tokens, :synthetic) RETURNING id")
                .bind("p", d.provider()).bind("m", d.model()).bind("e", d.endpoint()).bind("n", d.lines())
                .bind("bytes", d.bytes()).bind("tokens", d.tokens()).bind("synthetic", synthetic.test(d.provider()))
                .mapTo(Long.class).one();
        int batched = h.createUpdate("""
                        UPDATE requests r SET state = 'batched', batch_id = :b, submissions = r.submissions + 1,
                          not_before = NULL, updated_at = now()
                        FROM unnest(:ids, :subs) AS x(id, submissions)
                        WHERE r.id = x.id AND r.submissions = x.submissions AND r.state = 'pending'""")
                .bind("b", batchId).bindArray("ids", Long.class, d.ids()).bindArray("subs", Integer.class, d.submissions())
                .execute();
        if (batched != d.ids().size()) {
            throw new Overtaken((d.ids().size() - batched) + " of them were packed elsewhere");
        }
        h.createUpdate("INSERT INTO request_submissions (request_id, batch_id, submission, group_id) "
                        + "SELECT r.id, r.batch_id, r.submissions, x.group_id FROM requests r "
                        + "JOIN unnest(:ids, :groups) AS x(id, group_id) ON x.id = r.id WHERE r.batch_id = :b")
                .bind("b", batchId).bindArray("ids", Long.class, d.ids()).bindArray("groups", String.class, d.groups())
                .execute();
        h.createUpdate("INSERT INTO quota_ledger (batch_id, provider, model, tokens) VALUES (:b, :p, :m, :t)")
                .bind("b", batchId).bind("p", d.provider()).bind("m", d.model()).bind("t", d.tokens()).execute();
        files.commit(d.file(), batchId);
        return batchId;
    }

    private static long used(Handle h, BatchDraft d) {
        return h.createQuery("SELECT coalesce(sum(tokens), 0) FROM quota_ledger "
                        + "WHERE provider = :p AND model = :m AND released_at IS NULL")
                .bind("p", d.provider()).bind("m", d.model()).mapTo(Long.class).one();
    }

    private static void lock(Handle h, String key) {
        h.createQuery("SELECT pg_advisory_xact_lock(hashtext(:k))").bind("k", key).mapTo(String.class).one();
    }
}
