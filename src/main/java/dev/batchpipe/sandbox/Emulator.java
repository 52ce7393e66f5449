package dev.batchpipe.sandbox;

/**
 * The provider-independent emulator behind the three HTTP APIs: configuration, the data directory, the batch
 * engine, counters and the realtime limiter. Each API translates its provider's calls into these.
 */
record Emulator(SandboxConfig config, DataDirectory data, BatchEngine engine, Counters counters, Realtime realtime) {
}
