package dev.batchpipe.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.provider.Providers;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Renders a pending request as the line its provider's batch file will hold. */
public final class RequestLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Providers providers;
    private final RequestRenderer renderer;

    public RequestLines(Providers providers, RequestRenderer renderer) {
        this.providers = providers;
        this.renderer = renderer;
    }

    public PendingLine render(PendingRequest r) {
        if (!providers.has(r.provider())) {
            return new PendingLine(r, null);
        }
        try {
            return new PendingLine(r, providers.get(r.provider()).encode(renderer.render(r.id(), r.nextSubmission(),
                    r.task(), r.template(), r.model(), r.endpoint(), JSON.readTree(r.payload()))));
        } catch (IOException e) {
            throw new UncheckedIOException("stored item of request " + r.id() + " is not JSON", e);
        }
    }
}
