package dev.batchpipe.fetch;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One page being fetched, as the route {@code fetch-page} carries it from hop to hop: the URL of the next hop
 * ({@link #isFollowing()} while there is one), the hops so far, and at the end the page's bytes and type.
 */
public final class PageFetch {

    private final List<URI> hops = new ArrayList<>();
    private boolean following = true;
    private byte[] body;
    private String contentType;

    public PageFetch(URI url) {
        hops.add(url);
    }

    /** The URL of the current hop. */
    public String getUrl() {
        return current().toString();
    }

    /** The host of the current hop: politeness is counted per host. */
    public String getHost() {
        return current().getHost();
    }

    public boolean isFollowing() {
        return following;
    }

    URI current() {
        return hops.get(hops.size() - 1);
    }

    /** The URL asked for first. */
    public URI requested() {
        return hops.get(0);
    }

    /** Follows a redirect to {@code location} (resolved against the current URL), unless it loops or goes too far. */
    void redirect(String location, int maxRedirects) throws FetchFailed {
        URI next;
        try {
            next = UrlGuard.fetchable(current().resolve(location.strip()).toString());
        } catch (IllegalArgumentException e) {
            throw new FetchFailed("redirected to an invalid URL: " + location);
        } catch (FetchFailed e) {
            throw new FetchFailed("redirected to " + location + ": " + e.getMessage());
        }
        if (hops.contains(next)) {
            throw new FetchFailed("redirect loop: " + path() + " → " + next);
        }
        if (hops.size() > maxRedirects) {
            throw new FetchFailed("more than " + maxRedirects + " redirects: " + path() + " → " + next);
        }
        hops.add(next);
    }

    void answered(byte[] body, String contentType) {
        this.body = body;
        this.contentType = contentType;
        this.following = false;
    }

    /** The page's bytes, once answered. */
    public byte[] body() {
        return body;
    }

    /** Its Content-Type header. */
    public String contentType() {
        return contentType;
    }

    private String path() {
        return hops.stream().map(URI::toString).collect(Collectors.joining(" → "));
    }

    /** Why a fetch failed, in a line: the HTTP status or the cause, never a stack trace. */
    public static String reason(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof FetchFailed || t instanceof UrlGuard.RefusedAddress) {
                return t.getMessage();
            }
            if (t instanceof SocketTimeoutException) {
                return "timed out (" + t.getMessage() + ")";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host " + t.getMessage();
            }
            if (t instanceof ConnectException) {
                return "connection failed: " + t.getMessage();
            }
        }
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
