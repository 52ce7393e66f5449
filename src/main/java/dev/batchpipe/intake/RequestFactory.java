package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.batchpipe.image.ImageData;
import dev.batchpipe.image.ImagePart;
import dev.batchpipe.image.VideoPart;
import dev.batchpipe.pipeline.RequestRenderer;
import dev.batchpipe.provider.BatchRequest;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TokenEstimator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.jdbi.v3.core.Handle;

/**
 * Creates the requests of new items (a chunk of them in one statement): one per request template of its task, with the provider and model the run
 * asked for (or the task's), and an input-token estimate for packing and quota: of the request as its provider will
 * receive it (rendered and encoded by its adapter), so the schema and the wire framing count too.
 */
public final class RequestFactory {

    private static final int FRAMES = 64;

    private final TokenEstimator tokens;
    private final Providers providers;
    private final RequestRenderer renderer;
    /** The frames counted, the most recently used few (a system prompt that names item fields makes many). */
    private final Map<Frame, Integer> frames = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Frame, Integer> eldest) {
            return size() > FRAMES;
        }
    });

    public RequestFactory(TokenEstimator tokens, Providers providers, RequestRenderer renderer) {
        this.tokens = tokens;
        this.providers = providers;
        this.renderer = renderer;
    }

    /** The provider a request of template {@code t} goes to: the run's, else the template's. */
    public static String provider(TaskDefinition.RequestTemplate t, String runProvider) {
        return runProvider != null ? runProvider : t.provider();
    }

    /** The model: the run's, else the run's provider's default when it is another provider, else the template's. */
    public String model(TaskDefinition.RequestTemplate t, String runProvider, String runModel) {
        return runModel != null ? runModel : runProvider != null && !runProvider.equals(t.provider())
                ? providers.defaultModel(runProvider) : t.model();
    }

    /**
     * The input tokens of the request of template {@code t} for {@code item}, as packing and quota count them. The
     * item's user prompt is the part that changes from one item to the next; the rest (system prompt, schema, framing)
     * is counted once per template, provider, model and system prompt ({@link TokenEstimator#frameTokens}), from the
     * first item's request as its adapter encodes it. An item without images is not rendered and encoded again: its
     * request differs from that one only in its user prompt. One with images is, each time (their parts are framing).
     */
    public int estimate(String task, TaskDefinition.RequestTemplate t, String provider, String model, JsonNode item) {
        List<ImagePart> images = ImagePart.of(item);
        int media = 0;
        for (ImagePart image : images) {
            media += TokenEstimator.imageTokens(provider, image.width(), image.height());
        }
        for (VideoPart video : VideoPart.of(item)) {
            media += video.tokens();
        }
        if (t.isEmbedding()) {
            // an embedding is billed on its input text alone, without the line's framing
            return tokens.estimate(provider, model, t.user().render(item)) + media;
        }
        // rendered without its videos, whose files are uploaded only when the request is sent
        JsonNode rendered = VideoPart.without(item);
        String system = t.system().render(rendered);
        String user = t.user().render(rendered);
        boolean encoded = providers.has(provider);
        // as it stands in the encoded request: a JSON string's content
        String varying = encoded ? new String(JsonStringEncoder.getInstance().quoteAsString(user)) : user;
        Frame key = images.isEmpty() ? new Frame(task, t.name(), provider, model, system) : null;
        Integer frame = key != null && TokenEstimator.splits(varying) ? frames.get(key) : null;
        if (frame == null) {
            String sent = encoded ? ImageData.withoutImages(new String(providers.get(provider).encode(
                    renderer.render(0, 1, task, t.name(), model, t.endpoint(), rendered)), StandardCharsets.UTF_8))
                    : system + "\n" + user;
            frame = tokens.frameTokens(model, sent, varying);
            if (frame < 0) {
                return tokens.estimate(provider, model, sent) + media;
            }
            if (key != null) {
                frames.put(key, frame);
            }
        }
        return tokens.estimate(provider, model, frame, varying) + media;
    }

    /** What a request's frame (all of it but the user prompt) is made of, when the item has no images. */
    private record Frame(String task, String template, String provider, String model, String system) {
    }

    /** An item just written, to make requests for. */
    public record NewItem(long id, JsonNode value) {
    }

    /** The requests of a chunk of new items, in one statement: per item, one per request template, in that order. */
    public void createAll(Handle h, TaskDefinition task, JobOptions options, long jobId, List<NewItem> items) {
        if (items.isEmpty()) {
            return;
        }
        List<Long> itemIds = new ArrayList<>();
        List<TaskDefinition.RequestTemplate> ts = new ArrayList<>();
        List<JsonNode> values = new ArrayList<>();
        List<String> templates = new ArrayList<>();
        List<String> providerNames = new ArrayList<>();
        List<String> models = new ArrayList<>();
        List<String> endpoints = new ArrayList<>();
        List<Integer> maxOutputs = new ArrayList<>();
        for (NewItem item : items) {
            for (TaskDefinition.RequestTemplate t : task.requests()) {
                itemIds.add(item.id());
                ts.add(t);
                values.add(item.value());
                templates.add(t.name());
                providerNames.add(provider(t, options.provider()));
                models.add(model(t, options.provider(), options.model()));
                endpoints.add(t.endpoint());
                maxOutputs.add(t.maxOutputTokens());
            }
        }
        // counting tokens is most of a chunk's work in Java: on every core (the database waits for it meanwhile)
        List<Integer> estimates = IntStream.range(0, ts.size()).parallel()
                .mapToObj(i -> estimate(task.name(), ts.get(i), providerNames.get(i), models.get(i), values.get(i)))
                .toList();
        h.createUpdate("INSERT INTO requests (item_id, job_id, task, template, provider, model, endpoint, priority, "
                        + "estimated_tokens, max_output_tokens, not_before) "
                        + "SELECT u.item, :job, :task, u.template, u.provider, u.model, u.endpoint, :priority, u.tokens, "
                        + "u.max, CASE WHEN :overnight THEN 'infinity'::timestamptz END "
                        + "FROM unnest(:items, :templates, :providers, :models, :endpoints, :tokens, :max) WITH ORDINALITY "
                        + "AS u(item, template, provider, model, endpoint, tokens, max, n) ORDER BY u.n")
                .bind("job", jobId).bind("task", task.name()).bind("priority", options.priority())
                .bind("overnight", options.schedule().equals("overnight"))
                .bindArray("items", Long.class, itemIds).bindArray("templates", String.class, templates)
                .bindArray("providers", String.class, providerNames).bindArray("models", String.class, models)
                .bindArray("endpoints", String.class, endpoints).bindArray("tokens", Integer.class, estimates)
                .bindArray("max", Integer.class, maxOutputs)
                .execute();
    }

}
