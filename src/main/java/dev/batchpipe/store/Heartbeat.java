package dev.batchpipe.store;

import java.time.Duration;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's row in {@code instances}, renewed by the heartbeat route. While it beats, nobody takes its claims
 * before their lease runs out; once it stopped for {@code timeout}, any steady instance may take them
 * ({@code lease_free} in sql/V11__instance_heartbeats.sql).
 */
public final class Heartbeat {

    private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

    private final Jdbi jdbi;
    private final Instance instance;
    private final Duration timeout;
    private final DatabaseOutage outage;

    public Heartbeat(Jdbi jdbi, Instance instance, Duration timeout, DatabaseOutage outage) {
        this.jdbi = jdbi;
        this.instance = instance;
        this.timeout = timeout;
        this.outage = outage;
    }

    /**
     * Renews this instance's row (creating it on the first beat); says so when the previous beat came too late for
     * another reason than a database outage (during which no instance takes anything over: instance_steady).
     */
    public void beat() {
        Boolean lapsed = jdbi.withHandle(h -> h.createQuery("""
                        WITH previous AS (SELECT alive_until FROM instances WHERE id = :id)
                        INSERT INTO instances (id, host, pid, alive_until) VALUES (:id, :host, :pid, now() + make_interval(secs => :timeout))
                        ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), alive_until = now() + make_interval(secs => :timeout),
                            released_at = NULL, beating_since = CASE WHEN instances.alive_until < now()
                                                                     THEN now() ELSE instances.beating_since END
                        RETURNING (SELECT alive_until < now() FROM previous)""")
                .bind("id", instance.id()).bind("host", instance.host()).bind("pid", ProcessHandle.current().pid())
                .bind("timeout", timeout.toMillis() / 1000.0).mapTo(Boolean.class).one());
        if (Boolean.TRUE.equals(lapsed) && !outage.ongoing()) {
            LOG.warn("This instance's heartbeat lapsed for more than {} s: other instances may have taken over the "
                    + "work it held", timeout.toSeconds());
        }
    }

    /**
     * Instances that stopped beating and that no one noticed yet, each noticed by exactly one (steady) instance, which
     * logs it and has its scans look for their work at once. Rows of instances stopped a week ago are forgotten.
     */
    public List<String> stopped() {
        return jdbi.inTransaction(h -> {
            h.execute("DELETE FROM instances WHERE alive_until < now() - interval '7 days'");
            List<String> stopped = h.createQuery("""
                            UPDATE instances o SET released_at = now()
                            WHERE o.alive_until < now() AND o.released_at IS NULL AND o.id <> :me AND instance_steady(:me)
                            RETURNING o.id || ' (last heartbeat ' || to_char(o.heartbeat_at, 'HH24:MI:SS') || ')'""")
                    .bind("me", instance.id()).mapTo(String.class).list();
            for (String s : stopped) {
                LOG.warn("Instance {} stopped beating: its claims are taken over now", s);
            }
            return stopped;
        });
    }
}
