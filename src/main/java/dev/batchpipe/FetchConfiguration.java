package dev.batchpipe;

import dev.batchpipe.fetch.ArticleExtractor;
import dev.batchpipe.fetch.ImageAnswers;
import dev.batchpipe.fetch.PageAnswers;
import dev.batchpipe.fetch.UrlGuard;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.core5.util.Timeout;

/**
 * The beans of pages fetched from URLs (routes/intake-urls.camel.yaml), wired like {@link BatchpipeConfiguration}:
 * a configuration per area keeps each class within what Camel's ordering of factory methods handles.
 */
public class FetchConfiguration implements CamelConfiguration {

    /** The one check of what may be fetched: every fetch of a URL (articles, images) resolves through it. */
    @BindToRegistry(lazy = true)
    public UrlGuard urlGuard(@PropertyInject("batchpipe.fetch.allow-private") boolean allowPrivate,
                             @PropertyInject("batchpipe.fetch.allow-addresses") String allowAddresses) {
        return new UrlGuard(allowPrivate, allowAddresses);
    }

    /** The connections pages are fetched on: their DNS resolver is the URL guard, so they open only to checked addresses. */
    @BindToRegistry(lazy = true, destroyMethod = "close")
    public HttpClientConnectionManager pageConnections(UrlGuard guard,
                                                       @PropertyInject("batchpipe.fetch.concurrency") int concurrency,
                                                       @PropertyInject("batchpipe.fetch.connect-timeout") Duration connect,
                                                       @PropertyInject("batchpipe.fetch.timeout") Duration timeout) {
        return PoolingHttpClientConnectionManagerBuilder.create()
                .setDnsResolver(guard)
                .setMaxConnTotal(concurrency)
                .setMaxConnPerRoute(concurrency)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connect))
                        .setSocketTimeout(Timeout.of(timeout))
                        .build())
                .build();
    }

    /** The threads pages are fetched on: at most batchpipe.fetch.concurrency at a time. */
    @BindToRegistry(lazy = true)
    public ExecutorService pageFetchers(CamelContext context, @PropertyInject("batchpipe.fetch.concurrency") int concurrency) {
        return context.getExecutorServiceManager().newFixedThreadPool(this, "page-fetch", concurrency);
    }

    @BindToRegistry(lazy = true)
    public PageAnswers pageAnswers(@PropertyInject("batchpipe.fetch.max-bytes") int maxBytes,
                                   @PropertyInject("batchpipe.fetch.max-redirects") int maxRedirects,
                                   @PropertyInject("batchpipe.fetch.timeout") Duration timeout) {
        return new PageAnswers(maxBytes, maxRedirects, timeout);
    }

    /** Images fetched from URLs (routes/intake-images.camel.yaml), under the same redirect and time limits as pages. */
    @BindToRegistry(lazy = true)
    public ImageAnswers imageAnswers(@PropertyInject("batchpipe.fetch.max-redirects") int maxRedirects,
                                     @PropertyInject("batchpipe.fetch.timeout") Duration timeout) {
        return new ImageAnswers(maxRedirects, timeout);
    }

    @BindToRegistry(lazy = true)
    public ArticleExtractor articleExtractor() {
        return new ArticleExtractor();
    }
}
