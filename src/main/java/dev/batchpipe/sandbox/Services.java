package dev.batchpipe.sandbox;

/** What the provider APIs share: configuration, storage, the engine, counters and the realtime limiter. */
record Services(SandboxConfig config, Store store, BatchEngine engine, Counters counters, Realtime realtime) {
}
