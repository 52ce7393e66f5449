package dev.batchpipe.store;

import java.net.InetAddress;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Who we are. {@link #id()} names this process in leases and in its heartbeat row ({@link Heartbeat}), so the claims
 * of an instance that dies pass to another within seconds; {@link #tag(long)} names a batch of this installation at a
 * provider, so a batch created just before a crash can be recognised in the provider's list, and batches of other
 * installations never are.
 */
public final class Instance {

    private final String id;
    private final String host;
    private final String installation;

    public Instance(String id, String host, String installation) {
        this.id = id;
        this.host = host;
        this.installation = installation;
    }

    public static Instance of(Jdbi jdbi) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "localhost";
        }
        String installation = jdbi.withHandle(h -> h.createQuery("SELECT id FROM installation").mapTo(String.class).one());
        return new Instance(host + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8),
                host, installation);
    }

    public String id() {
        return id;
    }

    /** The machine this instance runs on. */
    public String host() {
        return host;
    }

    /** Names this installation at providers: {@code bp-} and the start of its id. */
    public String installationTag() {
        return "bp-" + installation.substring(0, 12);
    }

    public String tag(long batchId) {
        return installationTag() + "-" + batchId;
    }
}
