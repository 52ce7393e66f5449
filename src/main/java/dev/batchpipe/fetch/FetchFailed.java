package dev.batchpipe.fetch;

import java.io.IOException;

/** Why a page was not taken: an HTTP status, a redirect loop, a body that is not HTML or too large. */
public final class FetchFailed extends IOException {

    public FetchFailed(String reason) {
        super(reason);
    }
}
