package dev.batchpipe;

import dev.batchpipe.api.QuotasApi;
import dev.batchpipe.pipeline.TokenCalibration;
import dev.batchpipe.store.JobReports;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;
import org.jdbi.v3.core.Jdbi;

/**
 * The beans of the enqueued-token quota as the provider counts it (issue #17), wired like
 * {@link BatchpipeConfiguration}, which is at the size Camel's ordering of factory methods handles.
 */
public class QuotaConfiguration implements CamelConfiguration {

    @BindToRegistry(lazy = true)
    public TokenCalibration tokenCalibration(Jdbi jdbi,
                                             @PropertyInject("batchpipe.quota.calibration-decay") double decay) {
        return new TokenCalibration(jdbi, decay);
    }

    @BindToRegistry(lazy = true)
    public QuotasApi quotasApi(JobReports reports) {
        return new QuotasApi(reports);
    }
}
