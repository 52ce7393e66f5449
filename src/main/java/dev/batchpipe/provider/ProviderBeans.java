package dev.batchpipe.provider;

import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;
import org.apache.camel.processor.errorhandler.RedeliveryPolicy;
import org.apache.camel.util.TimeUtils;

/** The beans the route configuration {@code provider-http} refers to, from {@code batchpipe.http-retry.*}. */
public class ProviderBeans implements CamelConfiguration {

    @BindToRegistry("providerRedelivery")
    public RedeliveryPolicy providerRedelivery(@PropertyInject("batchpipe.http-retry.attempts") int attempts,
                                               @PropertyInject("batchpipe.http-retry.base-delay") String baseDelay,
                                               @PropertyInject("batchpipe.http-retry.max-delay") String maxDelay) {
        return ProviderRetries.redeliveryPolicy(attempts, TimeUtils.toDuration(baseDelay), TimeUtils.toDuration(maxDelay));
    }

    @BindToRegistry("providerRetries")
    public ProviderRetries providerRetries(@PropertyInject("batchpipe.http-retry.max-delay") String maxDelay) {
        return new ProviderRetries(TimeUtils.toDuration(maxDelay));
    }
}
