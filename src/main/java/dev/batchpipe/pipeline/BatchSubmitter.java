package dev.batchpipe.pipeline;

import dev.batchpipe.store.LeaseKeeper;
import dev.batchpipe.store.Instance;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.CrashPoints;
import dev.batchpipe.provider.BatchProvider;
import dev.batchpipe.provider.ProviderBatch;
import dev.batchpipe.provider.ProviderException;
import dev.batchpipe.provider.Providers;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends packed batches to their provider, recording each step before taking the next:
 * {@code packed} → upload → {@code uploaded} (file id) → {@code creating} → create → {@code submitted} (batch id).
 * A batch found in {@code creating} was maybe created by a process that died before recording the id: the provider's
 * batch list is searched for it first (by our tag, or by size and age where batches carry no tag), and the batch
 * adopted instead of created twice.
 */
public final class BatchSubmitter {

    private static final Logger LOG = LoggerFactory.getLogger(BatchSubmitter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;
    private final Providers providers;
    private final RequestRenderer renderer;
    private final RequestStates states;
    private final Instance instance;
    private final Settings settings;
    private final LeaseKeeper leases;

    public record Settings(Path workDir, Duration lease, BatchPoller.Settings polling, Duration quotaBackoff) {
    }

    public BatchSubmitter(Jdbi jdbi, Providers providers, RequestRenderer renderer, RequestStates states,
                          Instance instance, Settings settings) {
        this.jdbi = jdbi;
        this.providers = providers;
        this.renderer = renderer;
        this.states = states;
        this.instance = instance;
        this.settings = settings;
        this.leases = new LeaseKeeper(jdbi, instance, settings.lease());
    }

    /** Batches not yet submitted whose lease is free (new ones, and those a crashed instance left half-way). */
    public List<Long> claimReady() {
        return jdbi.withHandle(h -> h.createQuery("""
                        UPDATE batches SET lease_owner = :me, lease_until = now() + make_interval(secs => :lease)
                        WHERE id IN (SELECT id FROM batches WHERE state IN ('packed', 'uploaded', 'creating')
                                       AND (lease_until IS NULL OR lease_until < now())
                                     ORDER BY id LIMIT 50 FOR UPDATE SKIP LOCKED)
                        RETURNING id""")
                .bind("me", instance.id()).bind("lease", settings.lease().toSeconds())
                .mapTo(Long.class).list());
    }

    private record Batch(long id, String provider, String model, String endpoint, String state, String inputFileId,
                         int requestCount, Instant createdAt) {
    }

    public void submit(long batchId) {
        Batch b = load(batchId);
        if (b == null) {
            return;
        }
        BatchProvider provider = providers.get(b.provider());
        String tag = instance.tag(b.id());
        Path file = settings.workDir().resolve("batch-" + b.id() + ".jsonl");
        try (LeaseKeeper.Held held = leases.hold(b.id())) {
            String state = b.state();
            String inputFileId = b.inputFileId();
            if (state.equals("packed")) {
                writeInput(b, provider, file);
                inputFileId = provider.upload(file, "batchpipe-" + tag.replace(':', '-'));
                CrashPoints.reached("after-upload");
                String fid = inputFileId;
                jdbi.useHandle(h -> h.createUpdate("UPDATE batches SET state = 'uploaded', input_file_id = :f WHERE id = :id")
                        .bind("f", fid).bind("id", b.id()).execute());
                state = "uploaded";
            }
            ProviderBatch created = null;
            if (state.equals("creating")) {
                Instant since = b.createdAt().minus(Duration.ofHours(1));
                created = provider.findCreated(new BatchProvider.Lookup(tag, since, b.requestCount(),
                        providerBatchId -> recordedElsewhere(b, providerBatchId))).orElse(null);
                if (created != null) {
                    LOG.info("Adopted {} batch {}, created for batch {} before its id could be recorded", b.provider(),
                            created.id(), b.id());
                }
            } else {
                jdbi.useHandle(h -> h.createUpdate("UPDATE batches SET state = 'creating' WHERE id = :id")
                        .bind("id", b.id()).execute());
            }
            if (created == null) {
                if (!Files.exists(file)) {
                    writeInput(b, provider, file); // inline providers send the lines with create
                }
                created = provider.create(b.model(), b.endpoint(), inputFileId, file, b.requestCount(), tag);
                CrashPoints.reached("after-create");
            }
            record(b, created);
            Files.deleteIfExists(file);
        } catch (ProviderException e) {
            refused(b, e);
        } catch (IOException e) {
            throw new UncheckedIOException("batch " + b.id() + ": " + e.getMessage(), e);
        }
    }

    private boolean recordedElsewhere(Batch b, String providerBatchId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM batches WHERE provider = :p "
                        + "AND provider_batch_id = :pid AND id <> :id")
                .bind("p", b.provider()).bind("pid", providerBatchId).bind("id", b.id()).mapTo(Integer.class).one()) > 0;
    }

    private void record(Batch b, ProviderBatch pb) {
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE batches SET state = 'submitted', provider_batch_id = :pid, provider_status = :status,
                          submitted_at = now(), expires_at = :expires, lease_owner = NULL, lease_until = NULL,
                          next_poll_at = now() + make_interval(secs => :poll), error = NULL
                        WHERE id = :id""")
                .bind("pid", pb.id()).bind("status", pb.rawStatus())
                .bind("expires", pb.expiresAt() == null ? null : Timestamp.from(pb.expiresAt()))
                .bind("poll", settings.polling().interval(providers.sandboxed(b.provider()), 0))
                .bind("id", b.id()).execute());
        LOG.info("Submitted batch {} to {} as {} ({} requests)", b.id(), b.provider(), pb.id(), b.requestCount());
    }

    /**
     * The provider did not take the batch. Rate limits and outages: keep the step and retry when the lease runs
     * out. Quota refusals: requests wait for quota without consuming attempts. Anything else is a refusal of our
     * input: the requests go back with an attempt consumed, so a request that is the cause ends dead-lettered.
     */
    private void refused(Batch b, ProviderException e) {
        boolean quota = e.quotaRefused();
        if (e.credentialsRefused()) {
            // the account, not the requests: nothing is consumed, and everything waits for the key to be fixed
            LOG.error("Batch {}: {} refused our credentials ({}); check its API key. Retrying later", b.id(), b.provider(),
                    e.getMessage());
            return;
        }
        if (e.retryable() && !quota) {
            LOG.warn("Batch {}: {} is not reachable now ({}); retrying later", b.id(), b.provider(), e.getMessage());
            return;
        }
        jdbi.useTransaction(h -> {
            List<Long> ids = h.createQuery("SELECT id FROM requests WHERE batch_id = :b AND state = 'batched'")
                    .bind("b", b.id()).mapTo(Long.class).list();
            if (quota) {
                states.requeueWithoutAttempt(h, ids, "provider quota: " + e.getMessage(), settings.quotaBackoff());
            } else {
                for (Long id : ids) {
                    states.retryOwnFailure(h, id, "batch refused by " + b.provider() + ": " + e.getMessage(), null);
                }
            }
            Batches.abandon(h, b.id(), e.getMessage());
        });
        LOG.warn("Batch {} refused by {}: {}", b.id(), b.provider(), e.getMessage());
    }

    /** Streams the batch's lines to a file (written aside, then renamed, so a half-written file is never uploaded). */
    private void writeInput(Batch b, BatchProvider provider, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            jdbi.useTransaction(h -> {
                try (var rows = h.createQuery("SELECT r.id, r.submissions, r.task, r.template, i.payload::text "
                                + "FROM requests r JOIN items i ON i.id = r.item_id WHERE r.batch_id = :b AND r.state = 'batched' "
                                + "ORDER BY r.id")
                        .bind("b", b.id()).setFetchSize(500)
                        .map((rs, ctx) -> new Object[] {rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                                rs.getString(5)})
                        .stream()) {
                    rows.forEach(r -> {
                        try {
                            out.write(provider.encode(renderer.render((Long) r[0], (Integer) r[1], (String) r[2],
                                    (String) r[3], b.model(), b.endpoint(), JSON.readTree((String) r[4]))));
                            out.write('\n');
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                }
            });
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private Batch load(long id) {
        Optional<Batch> b = jdbi.withHandle(h -> h.createQuery("SELECT id, provider, model, endpoint, state, input_file_id, "
                        + "request_count, created_at FROM batches WHERE id = :id AND lease_owner = :me "
                        + "AND state IN ('packed', 'uploaded', 'creating')")
                .bind("id", id).bind("me", instance.id())
                .map((rs, ctx) -> new Batch(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7), rs.getTimestamp(8).toInstant()))
                .findOne());
        return b.orElse(null);
    }
}
