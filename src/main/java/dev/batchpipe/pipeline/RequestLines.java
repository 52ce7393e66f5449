package dev.batchpipe.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.provider.Providers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Renders pending requests, one alone or a micro-batch of them, as the line their provider's batch file will hold. */
public final class RequestLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Providers providers;
    private final RequestRenderer renderer;

    public RequestLines(Providers providers, RequestRenderer renderer) {
        this.providers = providers;
        this.renderer = renderer;
    }

    public PendingLine render(List<PendingRequest> group) {
        PendingRequest first = group.get(0);
        if (!providers.has(first.provider())) {
            return new PendingLine(group, null);
        }
        List<RequestRenderer.Item> items = new ArrayList<>();
        for (PendingRequest r : group) {
            try {
                items.add(new RequestRenderer.Item(r.id(), r.nextSubmission(), JSON.readTree(r.payload())));
            } catch (IOException e) {
                throw new UncheckedIOException("stored item of request " + r.id() + " is not JSON", e);
            }
        }
        return new PendingLine(group, providers.get(first.provider()).encode(renderer.render(first.task(),
                first.template(), first.model(), first.endpoint(), items)));
    }
}
