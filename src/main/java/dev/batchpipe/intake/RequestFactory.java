package dev.batchpipe.intake;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchpipe.image.ImageData;
import dev.batchpipe.image.ImagePart;
import dev.batchpipe.pipeline.RequestRenderer;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.task.TaskDefinition;
import dev.batchpipe.task.TokenEstimator;
import java.nio.charset.StandardCharsets;
import org.jdbi.v3.core.Handle;

/**
 * Creates the requests of a new item: one per request template of its task, with the provider and model the run
 * asked for (or the task's), and an input-token estimate for packing and quota: of the request as its provider will
 * receive it (rendered and encoded by its adapter), so the schema and the wire framing count too.
 */
public final class RequestFactory {

    private final TokenEstimator tokens;
    private final Providers providers;
    private final RequestRenderer renderer;

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

    /** The input tokens of the request of template {@code t} for {@code item}, as packing and quota count them. */
    public int estimate(String task, TaskDefinition.RequestTemplate t, String provider, String model, JsonNode item) {
        int images = 0;
        for (ImagePart image : ImagePart.of(item)) {
            images += TokenEstimator.imageTokens(provider, image.width(), image.height());
        }
        return tokens.estimate(provider, model, ImageData.withoutImages(sent(task, t, provider, model, item))) + images;
    }

    public void create(Handle h, TaskDefinition task, JobOptions options, long jobId, long itemId, JsonNode item) {
        for (TaskDefinition.RequestTemplate t : task.requests()) {
            String provider = provider(t, options.provider());
            String model = model(t, options.provider(), options.model());
            int estimate = estimate(task.name(), t, provider, model, item);
            h.createUpdate("INSERT INTO requests (item_id, job_id, task, template, provider, model, endpoint, priority, "
                            + "estimated_tokens, max_output_tokens, not_before) "
                            + "VALUES (:item, :job, :task, :template, :provider, :model, :endpoint, :priority, :tokens, :max, "
                            + "CASE WHEN :overnight THEN 'infinity'::timestamptz END)")
                    .bind("item", itemId).bind("job", jobId).bind("task", task.name()).bind("template", t.name())
                    .bind("provider", provider).bind("model", model).bind("endpoint", t.endpoint())
                    .bind("priority", options.priority()).bind("tokens", estimate).bind("max", t.maxOutputTokens())
                    .bind("overnight", options.schedule().equals("overnight"))
                    .execute();
        }
    }

    /**
     * The batch line the provider will receive (the custom id is a placeholder), or the prompts without an adapter.
     * An embedding is billed on its input text alone, without the line's framing.
     */
    private String sent(String task, TaskDefinition.RequestTemplate t, String provider, String model, JsonNode item) {
        if (t.isEmbedding()) {
            return t.user().render(item);
        }
        if (!providers.has(provider)) {
            return t.system().render(item) + "\n" + t.user().render(item);
        }
        return new String(providers.get(provider).encode(renderer.render(0, 1, task, t.name(), model,
                t.endpoint(), item)), StandardCharsets.UTF_8);
    }
}
