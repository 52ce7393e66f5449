package dev.batchpipe.store;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews a claimed batch's lease while a long provider call is in flight: a large upload, or a create that is
 * retried after 429s with the provider's Retry-After. Were the lease to run out meanwhile, another submit (of this
 * instance or another) would claim the batch, find nothing yet at the provider and create it a second time.
 */
public final class LeaseKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final Jdbi jdbi;
    private final Instance instance;
    private final Duration lease;
    private final DatabaseOutage outage;
    private final Map<Long, ScheduledFuture<?>> held = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "batchpipe-lease-keeper");
        t.setDaemon(true);
        return t;
    });

    public LeaseKeeper(Jdbi jdbi, Instance instance, Duration lease, DatabaseOutage outage) {
        this.jdbi = jdbi;
        this.instance = instance;
        this.lease = lease;
        this.outage = outage;
    }

    /** Renews the lease of {@code batchId} every third of its length until {@link #release} (the submit route's end). */
    public void hold(long batchId) {
        long period = Math.max(100, lease.toMillis() / 3);
        ScheduledFuture<?> renewal = timer.scheduleAtFixedRate(() -> renew(batchId), period, period, TimeUnit.MILLISECONDS);
        ScheduledFuture<?> previous = held.put(batchId, renewal);
        if (previous != null) {
            previous.cancel(false);
        }
    }

    /** Stops renewing; the lease itself stays as the last step recorded it. */
    public void release(long batchId) {
        ScheduledFuture<?> renewal = held.remove(batchId);
        if (renewal != null) {
            renewal.cancel(false);
        }
    }

    private void renew(long batchId) {
        try {
            jdbi.useHandle(h -> h.createUpdate("UPDATE batches SET lease_until = now() + make_interval(secs => :lease) "
                            + "WHERE id = :id AND lease_owner = :me")
                    .bind("lease", lease.toMillis() / 1000.0).bind("id", batchId).bind("me", instance.id()).execute());
        } catch (RuntimeException e) {
            if (DatabaseOutage.explains(e)) {
                outage.gone(e);
            } else {
                LOG.warn("Renewing the lease of batch {} failed: {}", batchId, e.getMessage());
            }
        }
    }
}
