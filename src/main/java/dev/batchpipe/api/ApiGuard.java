package dev.batchpipe.api;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may call the API's mutating endpoints. On a loopback address anyone on the machine may (like the CLI); bound
 * elsewhere they need {@code Authorization: Bearer $BATCHPIPE_API_TOKEN}, and without a token configured they are
 * refused. When a token is configured it is always required. Read-only endpoints stay open.
 *
 * <p>The token is compared in constant time (the SHA-256 of what was sent against that of the token, so neither its
 * content nor its length shows in the timing), and an address that failed {@code failuresPerMinute} times is refused
 * (429) until its budget refills, so a token cannot be guessed at network speed.
 */
public final class ApiGuard {

    /** Addresses remembered at most; past this the failure counts start again (a flood of addresses is not kept). */
    private static final int MAX_ADDRESSES = 10_000;

    private final String host;
    private final byte[] expected;
    private final int failuresPerMinute;
    private final Map<String, Bucket> failures = new ConcurrentHashMap<>();

    public ApiGuard(String host, String token, int failuresPerMinute) {
        this.host = host;
        this.expected = token == null || token.isBlank() ? null : sha256("Bearer " + token);
        this.failuresPerMinute = failuresPerMinute;
    }

    /** Null when the call may go ahead; otherwise why not (safe to show: it never contains the token). */
    public String denied(String authorization) {
        if (expected == null) {
            return loopback() ? null : "changes through the API need BATCHPIPE_API_TOKEN when it is bound to " + host;
        }
        return MessageDigest.isEqual(expected, sha256(authorization == null ? "" : authorization)) ? null
                : "a valid Authorization: Bearer token is required";
    }

    /** Counts a refused call from {@code address} against its budget. */
    public void failed(String address) {
        if (failures.size() >= MAX_ADDRESSES) {
            failures.clear();
        }
        failures.computeIfAbsent(address, a -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(failuresPerMinute)
                        .refillGreedy(failuresPerMinute, Duration.ofMinutes(1)).build())
                .build()).tryConsume(1);
    }

    /** How long {@code address} must wait after too many refused calls; empty when it may call. */
    public Optional<Duration> throttled(String address) {
        Bucket bucket = failures.get(address);
        if (bucket == null || bucket.getAvailableTokens() > 0) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill()));
    }

    public boolean openToTheNetwork() {
        return !loopback();
    }

    private boolean loopback() {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
