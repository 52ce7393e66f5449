package dev.batchpipe.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may call the API's mutating endpoints. On a loopback address anyone on the machine may (like the CLI); bound
 * elsewhere they need {@code Authorization: Bearer $BATCHPIPE_API_TOKEN}, and without a token configured they are
 * refused. When a token is configured it is always required. Read-only endpoints are open on a loopback address and
 * need the token like the others when bound beyond it.
 */
public final class ApiGuard {

    private final String host;
    private final String token;

    public ApiGuard(String host, String token) {
        this.host = host;
        this.token = token == null || token.isBlank() ? null : token;
    }

    /** Null when the call may go ahead; otherwise why not (safe to show: it never contains the token). */
    public String denied(String authorization) {
        if (token == null) {
            return loopback() ? null : "changes through the API need BATCHPIPE_API_TOKEN when it is bound to " + host;
        }
        byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        byte[] given = authorization == null ? new byte[0] : authorization.getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, given) ? null : "a valid Authorization: Bearer token is required";
    }

    /** Null when a read may go ahead: always on a loopback address; bound elsewhere, only with the token. */
    public String deniedRead(String authorization) {
        return loopback() ? null : denied(authorization);
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
}
