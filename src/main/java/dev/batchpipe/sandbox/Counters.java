package dev.batchpipe.sandbox;

import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link SandboxStats}; cheap to bump from any thread. */
final class Counters {

    static final class PerProvider {
        final LongAdder filesUploaded = new LongAdder();
        final LongAdder batchesCreated = new LongAdder();
        final LongAdder requestsReceived = new LongAdder();
        final LongAdder rateLimited = new LongAdder();
        final LongAdder serverErrors = new LongAdder();
        final LongAdder dropped = new LongAdder();
        final LongAdder realtimeCalls = new LongAdder();
        final LongAdder linesSucceeded = new LongAdder();
        final LongAdder linesErrored = new LongAdder();
        final LongAdder linesExpired = new LongAdder();
        final LongAdder linesCancelled = new LongAdder();
        // 64-bit hashes instead of the ids keep millions of custom ids affordable; collisions are negligible
        private final Set<Long> seenIds = ConcurrentHashMap.newKeySet();
        private final Set<Long> duplicateIds = ConcurrentHashMap.newKeySet();

        void customId(String id) {
            long h = fnv64(id);
            if (!seenIds.add(h)) {
                duplicateIds.add(h);
            }
        }

        void status(int status) {
            if (status == 429) {
                rateLimited.increment();
            } else if (status >= 500) {
                serverErrors.increment();
            }
        }
    }

    private volatile Map<Provider, PerProvider> byProvider = fresh();

    private static Map<Provider, PerProvider> fresh() {
        Map<Provider, PerProvider> m = new EnumMap<>(Provider.class);
        for (Provider p : Provider.values()) {
            m.put(p, new PerProvider());
        }
        return m;
    }

    PerProvider of(Provider provider) {
        return byProvider.get(provider);
    }

    void reset() {
        byProvider = fresh();
    }

    SandboxStats snapshot(Map<Provider, Map<String, Long>> statesByProvider) {
        return new SandboxStats(snapshot(Provider.OPENAI, statesByProvider), snapshot(Provider.ANTHROPIC,
                statesByProvider), snapshot(Provider.GEMINI, statesByProvider));
    }

    private SandboxStats.ProviderStats snapshot(Provider p, Map<Provider, Map<String, Long>> states) {
        PerProvider c = of(p);
        return new SandboxStats.ProviderStats(c.filesUploaded.sum(), c.batchesCreated.sum(),
                Map.copyOf(states.getOrDefault(p, Map.of())), c.requestsReceived.sum(), c.duplicateIds.size(),
                c.rateLimited.sum(), c.serverErrors.sum(), c.dropped.sum(), c.realtimeCalls.sum(),
                c.linesSucceeded.sum(), c.linesErrored.sum(), c.linesExpired.sum(), c.linesCancelled.sum());
    }

    /** FNV-1a over the UTF-8 bytes: stable across runs, unlike String.hashCode's 32 bits. */
    static long fnv64(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
