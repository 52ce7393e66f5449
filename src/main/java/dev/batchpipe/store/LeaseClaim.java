package dev.batchpipe.store;

import java.time.Duration;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * The one way rows are claimed across instances: an atomic
 * {@code UPDATE <table> SET <owner> = :me, <until> = now() + :lease … WHERE <key> IN (SELECT <key> … FOR UPDATE SKIP
 * LOCKED) RETURNING …}. Two instances never claim the same row, and a row whose claimant died is claimed again once
 * its heartbeat stopped or its lease ran out (say so in {@link #where}, e.g. with {@link #LEASE_FREE}).
 *
 * @param table     the table whose rows are claimed
 * @param key       its key column
 * @param owner     the column naming the claimant
 * @param until     the column holding the end of the lease
 * @param alsoSet   further assignments made by the claim (e.g. {@code extraction_state = 'claimed'}), or empty
 * @param where     which rows may be claimed (may use named parameters, bound by the caller)
 * @param orderBy   which go first
 * @param limit     how many at most
 * @param returning what the claim returns of each claimed row
 */
public record LeaseClaim(String table, String key, String owner, String until, String alsoSet, String where,
                         String orderBy, int limit, String returning) {

    /**
     * Rows of {@code batches} whose lease is free for {@code :me}: none, run out, or held by an instance whose heartbeat
     * stopped ({@code lease_free} in sql/V11__instance_heartbeats.sql).
     */
    public static final String LEASE_FREE = "lease_free(lease_owner, lease_until, :me)";

    /** A claim of {@code batches} rows, leased through lease_owner and lease_until. */
    public static LeaseClaim ofBatches(String where, String orderBy, int limit, String returning) {
        return new LeaseClaim("batches", "id", "lease_owner", "lease_until", "", where, orderBy, limit, returning);
    }

    /** The statement, with {@code :me} (the claimant) and {@code :lease} (seconds) to bind. */
    public String sql() {
        return "UPDATE " + table + " t SET " + (alsoSet.isEmpty() ? "" : alsoSet + ", ") + owner + " = :me, " + until
                + " = now() + make_interval(secs => :lease) WHERE " + key + " IN (SELECT " + key + " FROM " + table
                + " WHERE " + where + " ORDER BY " + orderBy + " LIMIT " + limit + " FOR UPDATE SKIP LOCKED) RETURNING "
                + returning;
    }

    /** The claim as a query for {@code me}, ready for the caller's own parameters and row mapping. */
    public Query query(Handle h, String me, Duration lease) {
        return h.createQuery(sql()).bind("me", me).bind("lease", lease.toMillis() / 1000.0);
    }
}
