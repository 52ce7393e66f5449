package dev.batchpipe.intake;

import dev.batchpipe.store.DatabaseOutage;
import dev.batchpipe.store.Instance;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;
import org.jdbi.v3.core.Jdbi;

/**
 * The inbox's read lock across instances on one database (the file consumer's {@code readLock=idempotent-changed}
 * takes it before reading a file, and gives it back once the file was moved or left in place): a row in
 * {@code inbox_reads} per file being read. Taking it is one atomic statement, so two instances never read one file at
 * once; a row whose owner stopped beating is taken over ({@code claim_abandoned}), so a crash while reading releases
 * the file when the heartbeat stops. While the database is away no lock is taken: the file waits, unread.
 */
public final class InboxReadLocks extends ServiceSupport implements IdempotentRepository {

    private final Jdbi jdbi;
    private final Instance instance;
    private final DatabaseOutage outage;

    public InboxReadLocks(Jdbi jdbi, Instance instance, DatabaseOutage outage) {
        this.jdbi = jdbi;
        this.instance = instance;
        this.outage = outage;
    }

    /** Takes the file's lock: free, left by this instance, or held by an instance that stopped beating. */
    @Override
    public boolean add(String file) {
        return quietly(() -> jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO inbox_reads (file, owner) VALUES (:file, :me)
                        ON CONFLICT (file) DO UPDATE SET owner = :me, taken_at = now()
                        WHERE inbox_reads.owner = :me OR claim_abandoned(inbox_reads.owner, :me)""")
                .bind("file", file).bind("me", instance.id()).execute()) == 1);
    }

    /** Whether another instance (alive) reads the file now. */
    @Override
    public boolean contains(String file) {
        return quietly(() -> jdbi.withHandle(h -> h.createQuery("""
                        SELECT count(*) > 0 FROM inbox_reads
                        WHERE file = :file AND NOT claim_abandoned(owner, :me)""")
                .bind("file", file).bind("me", instance.id()).mapTo(Boolean.class).one()));
    }

    /** Gives the lock back (the file was moved, or left in place to be read again). */
    @Override
    public boolean remove(String file) {
        return quietly(() -> jdbi.withHandle(h -> h.createUpdate("DELETE FROM inbox_reads WHERE file = :file AND owner = :me")
                .bind("file", file).bind("me", instance.id()).execute()) == 1);
    }

    @Override
    public boolean confirm(String file) {
        return true;
    }

    /** Gives back every lock this instance holds. */
    @Override
    public void clear() {
        quietly(() -> jdbi.withHandle(h -> h.createUpdate("DELETE FROM inbox_reads WHERE owner = :me")
                .bind("me", instance.id()).execute()) >= 0);
    }

    /**
     * An unreachable database means no lock: the file is skipped this sweep (a lock this instance could not give
     * back is its own to take again).
     */
    private boolean quietly(java.util.function.BooleanSupplier statement) {
        try {
            return statement.getAsBoolean();
        } catch (RuntimeException e) {
            if (!DatabaseOutage.explains(e)) {
                throw e;
            }
            outage.gone(e);
            return false;
        }
    }
}
