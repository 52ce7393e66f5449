package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.sandbox.BatchRecord.Phase;
import java.io.IOException;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works batches through their life cycle on simulated time. One thread steps every batch each tick: short stages
 * (validating, finalizing, cancelling) last {@link SandboxConfig#stageDelay()}, and in-progress batches share their
 * provider's {@link SandboxConfig#tokensPerSecond()} evenly, spending each line's estimated tokens before answering
 * it. A batch is persisted after every step that changed it; results are appended to its JSONL files before the
 * state that counts them is saved.
 */
final class BatchEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchEngine.class);
    /** Longest a single batch may hold the engine in one tick, so one huge batch cannot starve the others. */
    private static final long STEP_BUDGET_NANOS = TimeUnit.MILLISECONDS.toNanos(150);

    private final SandboxConfig config;
    private final DataDirectory data;
    private final Counters counters;
    private final SandboxFaults faults;
    private final Map<Provider, BatchFormat> formats;
    private final Map<String, BatchRecord> batches = new ConcurrentHashMap<>();
    /** Open readers and writers of in-progress batches; touched by the engine thread only. */
    private final Map<String, Cursor> cursors = new HashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final Object admission = new Object();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sandbox-engine");
        t.setDaemon(true);
        return t;
    });
    private long lastTick;

    BatchEngine(SandboxConfig config, DataDirectory data, Counters counters, SandboxFaults faults,
                Map<Provider, BatchFormat> formats) {
        this.config = config;
        this.data = data;
        this.counters = counters;
        this.faults = faults;
        this.formats = formats;
    }

    /** Loads the batches of an earlier run and starts stepping. */
    void start() throws IOException {
        for (BatchRecord b : data.loadBatches()) {
            batches.put(b.id, b);
            seq.accumulateAndGet(b.seq, Math::max);
        }
        lastTick = System.currentTimeMillis();
        long every = config.tickInterval().toMillis();
        thread.scheduleWithFixedDelay(this::run, every, every, TimeUnit.MILLISECONDS);
    }

    /** Ticks back to back while a batch has more work than one step allows, so a backlog never waits idle. */
    private void run() {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        boolean more = true;
        try {
            while (more && System.nanoTime() < until && !thread.isShutdown()) {
                more = tick();
            }
        } catch (RuntimeException e) {
            // an exception would cancel the scheduled task and with it every batch; log and step again next time
            LOG.error("Sandbox engine step failed: {}", e.toString(), e);
        }
    }

    BatchFormat format(Provider provider) {
        return formats.get(provider);
    }

    /** A new batch: stamps its creation, snapshots the per-batch faults, persists it. */
    BatchRecord create(BatchRecord b, long now) {
        ProviderFaults f = faults.of(b.provider);
        b.seq = seq.incrementAndGet();
        b.createdAt = now;
        b.phaseSince = now;
        b.phase = Phase.VALIDATING;
        b.expiresAt = now + config.realMillis(config.completionWindow());
        b.lineErrorProbability = f.lineErrorProbability();
        b.invalidAnswerFraction = f.invalidAnswerFraction();
        b.expireAfterFraction = f.expireAfterFraction();
        synchronized (b) {
            data.saveBatch(b);
        }
        batches.put(b.id, b);
        counters.of(b.provider).batchesCreated.increment();
        return b;
    }

    /**
     * Creates a batch whose lines were read on create (Anthropic, Gemini), admitting it against the enqueued-token
     * quota atomically with every other admission, and counts its lines.
     *
     * @param overQuota the provider's 429 message for a model and its limit
     * @throws ApiError 429 when a model's quota would be exceeded
     */
    BatchRecord createAdmitted(BatchRecord b, List<String> customIds, BiFunction<String, Long, String> overQuota) {
        synchronized (admission) {
            String over = overQuota(b.provider, b.tokensByModel);
            if (over != null) {
                throw new ApiError(ApiError.Kind.RATE_LIMITED, overQuota.apply(over,
                        faults.of(b.provider).enqueuedTokenLimitFor(over)), null, null, -1);
            }
            b.admitted = true;
            create(b, System.currentTimeMillis());
        }
        Counters.PerProvider c = counters.of(b.provider);
        c.requestsReceived.add(customIds.size());
        customIds.forEach(c::customId);
        return b;
    }

    private String overQuota(Provider provider, Map<String, Long> tokensByModel) {
        ProviderFaults f = faults.of(provider);
        for (Map.Entry<String, Long> e : tokensByModel.entrySet()) {
            Long limit = f.enqueuedTokenLimitFor(e.getKey());
            if (limit != null && enqueuedTokens(provider, e.getKey()) + e.getValue() > limit) {
                return e.getKey();
            }
        }
        return null;
    }

    /** Estimated tokens of the admitted, unfinished batches of a provider for a model. */
    long enqueuedTokens(Provider provider, String model) {
        long sum = 0;
        for (BatchRecord b : batches.values()) {
            synchronized (b) {
                if (b.provider == provider && b.admitted && !b.phase.terminal()) {
                    sum += b.tokensByModel.getOrDefault(model, 0L);
                }
            }
        }
        return sum;
    }

    Optional<BatchRecord> get(Provider provider, String id) {
        BatchRecord b = batches.get(id);
        return b != null && b.provider == provider ? Optional.of(b) : Optional.empty();
    }

    /** A provider's batches, newest first. */
    List<BatchRecord> list(Provider provider) {
        return batches.values().stream().filter(b -> b.provider == provider)
                .sorted(Comparator.comparingLong((BatchRecord b) -> b.seq).reversed()).toList();
    }

    /** Starts cancelling; false when the batch is already past the point where it can be cancelled. */
    boolean cancel(BatchRecord b, long now) {
        synchronized (b) {
            if (b.phase == Phase.CANCELLING || b.phase == Phase.CANCELLED) {
                return true;
            }
            if (b.phase != Phase.VALIDATING && b.phase != Phase.IN_PROGRESS) {
                return false;
            }
            b.phase = Phase.CANCELLING;
            b.phaseSince = now;
            b.cancellingAt = now;
            data.saveBatch(b);
            return true;
        }
    }

    /** Forgets a finished batch and its files. */
    void delete(BatchRecord b) throws IOException {
        batches.remove(b.id);
        data.deleteBatch(b);
    }

    /** Current batches per provider per wire state, for the stats. */
    Map<Provider, Map<String, Long>> states() {
        Map<Provider, Map<String, Long>> out = new EnumMap<>(Provider.class);
        for (BatchRecord b : batches.values()) {
            String state;
            synchronized (b) {
                state = formats.get(b.provider).state(b.phase);
            }
            out.computeIfAbsent(b.provider, p -> new TreeMap<>()).merge(state, 1L, Long::sum);
        }
        return out;
    }

    /** One step of every live batch; true when some batch stopped at its time budget with credit left. */
    private boolean tick() {
        boolean more = false;
        long now = System.currentTimeMillis();
        double simSeconds = (now - lastTick) / 1000.0 * config.speed();
        lastTick = now;
        for (Provider p : Provider.values()) {
            List<BatchRecord> live = batches.values().stream()
                    .filter(b -> b.provider == p && !b.phase.terminal())
                    .sorted(Comparator.comparingLong(b -> b.seq)).toList();
            long active = live.stream().filter(b -> b.phase == Phase.IN_PROGRESS).count();
            double share = active == 0 ? 0 : config.tokensPerSecond() * simSeconds / active;
            for (BatchRecord b : live) {
                try {
                    more |= step(b, share, now);
                } catch (Exception e) {
                    // a broken batch (its input file gone, a full disk) must not stop the others, nor fail again
                    // on every tick: it ends failed, with what it had finished kept
                    LOG.error("Sandbox batch {} failed: {}", b.id, e.toString(), e);
                    closeCursor(b.id);
                    synchronized (b) {
                        b.errors.add(new BatchRecord.Problem("server_error", "The sandbox could not process this "
                                + "batch: " + e.getMessage(), null, null));
                        terminate(b, Phase.FAILED, now);
                    }
                }
            }
        }
        return more;
    }

    /** Advances one batch; true when it ran out of time, not of credit or lines. */
    private boolean step(BatchRecord b, double share, long now) throws IOException {
        Phase phase;
        long sinceSimMillis;
        synchronized (b) {
            phase = b.phase;
            sinceSimMillis = (long) ((now - b.phaseSince) * config.speed());
        }
        boolean stageOver = sinceSimMillis >= config.stageDelay().toMillis();
        if ((phase == Phase.VALIDATING || phase == Phase.IN_PROGRESS) && now >= b.expiresAt) {
            finish(b, Phase.EXPIRED, now);
            return false;
        }
        switch (phase) {
            case VALIDATING -> {
                if (stageOver) {
                    admit(b, now);
                }
            }
            case IN_PROGRESS -> {
                return process(b, share, now);
            }
            case FINALIZING -> {
                if (stageOver) {
                    finish(b, Phase.COMPLETED, now);
                }
            }
            case CANCELLING -> {
                if (stageOver) {
                    finish(b, Phase.CANCELLED, now);
                }
            }
            default -> {
            }
        }
        return false;
    }

    private void admit(BatchRecord b, long now) throws IOException {
        BatchFormat format = formats.get(b.provider);
        BatchFormat.Validation v = format.validate(b, data.resolve(b.requestsFile), config.openAiMaxRequests());
        synchronized (admission) {
            synchronized (b) {
                if (b.phase != Phase.VALIDATING) {
                    return;
                }
                if (v != null) {
                    if (!v.problems().isEmpty()) {
                        b.errors.addAll(v.problems());
                        terminate(b, Phase.FAILED, now);
                        return;
                    }
                    b.total = v.total();
                    b.tokensByModel.putAll(v.tokensByModel());
                    String over = overQuota(b.provider, b.tokensByModel);
                    if (over != null) {
                        b.errors.add(new BatchRecord.Problem("token_limit_exceeded", "Enqueued token limit reached for "
                                + over + " in organization org-sandbox. Limit: "
                                + faults.of(b.provider).enqueuedTokenLimitFor(over) + " enqueued tokens. Please try "
                                + "again once some in_progress batches have been completed.", null, null));
                        terminate(b, Phase.FAILED, now);
                        return;
                    }
                    Counters.PerProvider c = counters.of(b.provider);
                    c.requestsReceived.add(v.total());
                    v.customIds().forEach(c::customId);
                    b.admitted = true;
                }
                b.phase = Phase.IN_PROGRESS;
                b.phaseSince = now;
                b.inProgressAt = now;
                data.saveBatch(b);
            }
        }
    }

    private boolean process(BatchRecord b, double share, long now) throws IOException {
        BatchFormat format = formats.get(b.provider);
        Cursor cursor = cursor(b);
        long deadline = System.nanoTime() + STEP_BUDGET_NANOS;
        boolean expire = false;
        boolean outOfTime = true;
        synchronized (b) {
            b.credit += share;
        }
        while (System.nanoTime() < deadline) {
            synchronized (b) {
                if (b.expiryFaultDue()) {
                    expire = true;
                    break;
                }
            }
            Cursor.Line line = cursor.peek(format, b, true);
            synchronized (b) {
                if (b.phase != Phase.IN_PROGRESS || line == null || b.credit < line.tokens()) {
                    outOfTime = false;
                    break;
                }
                b.credit -= line.tokens();
            }
            answer(b, line, cursor, format, now);
            cursor.consume();
            synchronized (b) {
                b.inputOffset = cursor.offset();
            }
        }
        cursor.results.flush();
        synchronized (b) {
            b.outputBytes = cursor.results.outputBytes();
            b.errorBytes = cursor.results.errorBytes();
            if (!expire && b.phase == Phase.IN_PROGRESS && (b.done() >= b.total || cursor.atEnd())) {
                b.total = b.done();
                b.phase = Phase.FINALIZING;
                b.phaseSince = now;
                b.finalizingAt = now;
                b.credit = 0;
                closeCursor(b.id);
            }
            data.saveBatch(b);
        }
        if (expire) {
            finish(b, Phase.EXPIRED, now);
            return false;
        }
        return outOfTime;
    }

    private void answer(BatchRecord b, Cursor.Line line, Cursor cursor, BatchFormat format, long now)
            throws IOException {
        Counters.PerProvider c = counters.of(b.provider);
        ApiError error = line.problem();
        if (Answers.lineFraction(b.id, line.id(), "error") < b.lineErrorProbability) {
            error = Answers.lineFraction(b.id, line.id(), "kind") < 0.5
                    ? new ApiError(ApiError.Kind.INTERNAL, "The server had an error while processing your request "
                    + "(sandbox fault).")
                    : ApiError.invalid("The request was rejected (sandbox fault).");
        }
        if (error != null) {
            format.writeFailure(b, line.json(), error, cursor.results);
            synchronized (b) {
                b.errored++;
            }
            c.linesErrored.increment();
            return;
        }
        ParsedRequest req = line.request();
        boolean structured = req.kind() == ParsedRequest.Kind.SCHEMA || req.kind() == ParsedRequest.Kind.TOOL;
        boolean invalid = structured && Answers.lineFraction(b.id, line.id(), "invalid") < b.invalidAnswerFraction;
        Answers.Answer answer = Answers.answer(req, format.promptTokens(req, format.lineBody(line.json())), invalid,
                faults.of(b.provider));
        format.writeSuccess(b, line.json(), format.render(req, answer, b.endpoint, now), cursor.results);
        synchronized (b) {
            b.succeeded++;
            b.inputTokens += answer.inputTokens();
            b.outputTokens += answer.outputTokens();
        }
        c.linesSucceeded.increment();
    }

    /** Ends a batch: unfinished lines are reported expired or cancelled, result files are published. */
    private void finish(BatchRecord b, Phase terminal, long now) throws IOException {
        BatchFormat format = formats.get(b.provider);
        Counters.PerProvider c = counters.of(b.provider);
        if (terminal == Phase.EXPIRED || terminal == Phase.CANCELLED) {
            boolean started;
            synchronized (b) {
                started = b.admitted || b.provider != Provider.OPENAI;
            }
            if (started) {
                Cursor cursor = cursor(b);
                for (Cursor.Line line; (line = cursor.peek(format, b, false)) != null; cursor.consume()) {
                    format.writeUnfinished(b, line.json(), terminal, cursor.results);
                    synchronized (b) {
                        if (terminal == Phase.EXPIRED) {
                            b.expired++;
                            c.linesExpired.increment();
                        } else {
                            b.cancelled++;
                            c.linesCancelled.increment();
                        }
                    }
                }
                cursor.results.flush();
                synchronized (b) {
                    b.inputOffset = cursor.offset();
                    b.outputBytes = cursor.results.outputBytes();
                    b.errorBytes = cursor.results.errorBytes();
                }
            }
        }
        closeCursor(b.id);
        format.publishResults(b, data, now);
        synchronized (b) {
            terminate(b, terminal, now);
        }
    }

    private void terminate(BatchRecord b, Phase terminal, long now) {
        b.phase = terminal;
        b.phaseSince = now;
        switch (terminal) {
            case COMPLETED -> b.completedAt = now;
            case FAILED -> b.failedAt = now;
            case EXPIRED -> b.expiredAt = now;
            case CANCELLED -> b.cancelledAt = now;
            default -> throw new IllegalArgumentException(terminal + " is not terminal");
        }
        data.saveBatch(b);
    }

    private Cursor cursor(BatchRecord b) throws IOException {
        Cursor c = cursors.get(b.id);
        if (c == null) {
            synchronized (b) {
                c = new Cursor(data, b);
            }
            cursors.put(b.id, c);
        }
        return c;
    }

    private void closeCursor(String id) {
        Cursor c = cursors.remove(id);
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Sandbox engine did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List.copyOf(cursors.keySet()).forEach(this::closeCursor);
    }

    /** Where an in-progress batch is in its request file, with the next line read ahead. */
    private static final class Cursor implements AutoCloseable {

        record Line(JsonNode json, String id, ParsedRequest request, ApiError problem, long tokens) {
        }

        private final LineReader reader;
        final ResultFiles results;
        private Line pending;
        private long pendingOffset;
        private long offset;
        private boolean atEnd;

        Cursor(DataDirectory data, BatchRecord b) throws IOException {
            reader = new LineReader(data.resolve(b.requestsFile), b.inputOffset);
            offset = reader.offset();
            results = new ResultFiles(data.resolve(b.outputFile), b.outputBytes,
                    b.errorFile == null ? null : data.resolve(b.errorFile), b.errorBytes);
        }

        /**
         * The next line, or null at the end of the file. {@code asRequest} also reads its body as a request; without
         * it only the id is read, for reporting the line unfinished.
         */
        Line peek(BatchFormat format, BatchRecord b, boolean asRequest) throws IOException {
            if (pending == null && !atEnd) {
                byte[] bytes = reader.next();
                if (bytes == null) {
                    atEnd = true;
                    return null;
                }
                pendingOffset = reader.offset();
                JsonNode json = Json.MAPPER.readTree(bytes);
                String id = format.lineId(json);
                if (!asRequest) {
                    pending = new Line(json, id, null, null, 0);
                    return pending;
                }
                try {
                    ParsedRequest req = format.parse(format.lineBody(json), b.endpoint, b.model);
                    pending = new Line(json, id, req, null, format.workTokens(req, format.lineBody(json)));
                } catch (ApiError e) {
                    pending = new Line(json, id, null, e, Math.max(1, bytes.length / 4));
                }
            }
            return pending;
        }

        void consume() {
            pending = null;
            offset = pendingOffset;
        }

        long offset() {
            return offset;
        }

        boolean atEnd() {
            return atEnd;
        }

        @Override
        public void close() {
            try {
                reader.close();
                results.close();
            } catch (IOException e) {
                LOG.warn("Closing sandbox batch files failed: {}", e.getMessage());
            }
        }
    }
}
