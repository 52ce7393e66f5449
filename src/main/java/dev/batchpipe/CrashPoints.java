package dev.batchpipe;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failure injection for the crash suite. With {@code BATCHPIPE_CRASH_AT=<point>[:<n>]} the process kills itself with
 * SIGKILL the n-th time (default: the first) it reaches that point: no shutdown hook, no flush, no rollback beyond
 * what PostgreSQL does for an open transaction, exactly as {@code kill -9} from outside. Unset, it costs a null check.
 *
 * <p>Points: {@code intake-chunk} (a chunk of a file committed), {@code after-upload} (input file at the provider, not
 * yet recorded), {@code after-create} (batch created at the provider, its id not yet recorded), {@code mid-download}
 * (a result line read, not yet written), {@code mid-ingest} (a line's rows written, not yet committed),
 * {@code mid-ingest-chunk} (a chunk's output rows written, its results and request states not yet),
 * {@code mid-intake-chunk} (a chunk's items written, its requests not yet), {@code realtime-answered} (a realtime
 * answer recorded, not yet written).
 */
public final class CrashPoints {

    private static final Logger LOG = LoggerFactory.getLogger(CrashPoints.class);
    private static final String SPEC = System.getenv("BATCHPIPE_CRASH_AT");
    private static final String POINT = SPEC == null ? null : SPEC.split(":")[0];
    private static final int NTH = SPEC == null || !SPEC.contains(":") ? 1 : Integer.parseInt(SPEC.split(":")[1]);
    private static final AtomicInteger HITS = new AtomicInteger();

    private CrashPoints() {
    }

    public static void reached(String point) {
        if (POINT == null || !POINT.equals(point) || HITS.incrementAndGet() != NTH) {
            return;
        }
        LOG.warn("Crash point {} reached ({} time): killing this process with SIGKILL", point, NTH);
        try {
            new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid())).start().waitFor();
            Thread.sleep(10_000);
        } catch (Exception e) {
            // no kill command: halt is the same for everything outside this process
        }
        Runtime.getRuntime().halt(137);
    }
}
