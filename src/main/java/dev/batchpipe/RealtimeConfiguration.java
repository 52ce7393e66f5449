package dev.batchpipe;

import dev.batchpipe.api.TaskEstimate;
import dev.batchpipe.image.ImageSpool;
import dev.batchpipe.pipeline.JobCompletion;
import dev.batchpipe.pipeline.RequestGroups;
import dev.batchpipe.pipeline.RequestRenderer;
import dev.batchpipe.pipeline.RequestStates;
import dev.batchpipe.pipeline.ResultIngester;
import dev.batchpipe.provider.ProviderHttp;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.realtime.AutoModeChooser;
import dev.batchpipe.realtime.ConfiguredLimits;
import dev.batchpipe.realtime.DailyCaps;
import dev.batchpipe.realtime.GeminiContextCache;
import dev.batchpipe.realtime.RateLimiter;
import dev.batchpipe.realtime.RealtimeCaller;
import dev.batchpipe.realtime.RealtimeClaims;
import dev.batchpipe.realtime.RealtimeWriter;
import dev.batchpipe.store.Instance;
import dev.batchpipe.task.TaskRegistry;
import dev.batchpipe.task.TokenEstimator;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.jdbi.v3.core.Jdbi;

/**
 * The beans of realtime mode (routes/realtime.camel.yaml), wired like {@link BatchpipeConfiguration}: a configuration
 * per area keeps each class within what Camel's ordering of factory methods handles.
 */
public class RealtimeConfiguration implements CamelConfiguration {

    @BindToRegistry(lazy = true)
    public RealtimeClaims realtimeClaims(Jdbi jdbi, Instance instance, Providers providers, DailyCaps caps,
                                         TaskRegistry tasks, RequestGroups groups,
                                         @PropertyInject("batchpipe.realtime.lease") Duration lease,
                                         @PropertyInject("batchpipe.realtime.concurrency") int concurrency) {
        return new RealtimeClaims(jdbi, instance, lease, concurrency, providers.holds().keySet(), caps, tasks, groups);
    }

    /** The daily request caps, counted in the day of the {@code clock} (a bean, so a test can move it). */
    @BindToRegistry(lazy = true)
    public DailyCaps dailyCaps(CamelContext context, TaskRegistry tasks, Clock clock) {
        return new DailyCaps(new ConfiguredLimits(new Config(context)), tasks, clock);
    }

    @BindToRegistry(lazy = true)
    public AutoModeChooser autoModeChooser(Jdbi jdbi, TaskRegistry tasks, TaskEstimate estimates,
                                           @PropertyInject("batchpipe.auto.realtime-below") long realtimeBelow) {
        return new AutoModeChooser(jdbi, tasks, estimates, realtimeBelow);
    }

    @BindToRegistry(lazy = true)
    public RateLimiter rateLimiter(CamelContext context, @BeanInject("dataSource") DataSource dataSource, Clock clock,
                                   @PropertyInject("batchpipe.realtime.limit-period") Duration period,
                                   @PropertyInject("batchpipe.realtime.aimd.decrease") double decrease,
                                   @PropertyInject("batchpipe.realtime.aimd.increase") double increase,
                                   @PropertyInject("batchpipe.realtime.aimd.floor") double floor,
                                   @PropertyInject("batchpipe.realtime.aimd.cooldown") Duration cooldown,
                                   @PropertyInject("batchpipe.realtime.rate-limited-wait") Duration wait) {
        return new RateLimiter(dataSource, new ConfiguredLimits(new Config(context)), period,
                new RateLimiter.Backoff(decrease, increase, floor, cooldown, wait), clock);
    }

    /** Gemini cached contents for the shared system prompts of realtime calls; min-tokens.<model> per model. */
    @BindToRegistry(lazy = true)
    public GeminiContextCache geminiContextCache(CamelContext context, Jdbi jdbi, Providers providers, Clock clock,
                                                 @PropertyInject("batchpipe.gemini.cached-content.ttl") Duration ttl,
                                                 @PropertyInject("batchpipe.gemini.cached-content.min-tokens") int min) {
        Map<String, Integer> byModel = new HashMap<>();
        new Config(context).withPrefix("batchpipe.gemini.cached-content.min-tokens.")
                .forEach((model, tokens) -> byModel.put(model, Integer.parseInt(tokens.trim())));
        return new GeminiContextCache(jdbi, providers, new TokenEstimator(),
                new GeminiContextCache.Settings(ttl, min, byModel), clock);
    }

    @BindToRegistry(lazy = true)
    public RealtimeCaller realtimeCaller(CamelContext context, Jdbi jdbi, Providers providers, RequestRenderer renderer,
                                         RateLimiter limiter, ImageSpool images, GeminiContextCache contextCache) {
        return new RealtimeCaller(jdbi, providers, renderer, new ProviderHttp(context.createProducerTemplate()), limiter,
                images, contextCache);
    }

    @BindToRegistry(lazy = true)
    public RealtimeWriter realtimeWriter(Jdbi jdbi, Providers providers, ResultIngester ingester, RequestStates states,
                                         JobCompletion completion,
                                         @PropertyInject("batchpipe.realtime.rate-limited-wait") Duration wait) {
        return new RealtimeWriter(jdbi, providers, ingester, states, completion, wait);
    }
}
