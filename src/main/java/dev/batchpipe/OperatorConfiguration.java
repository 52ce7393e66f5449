package dev.batchpipe;

import dev.batchpipe.api.AlertsApi;
import dev.batchpipe.api.ApiReads;
import dev.batchpipe.api.CostReport;
import dev.batchpipe.api.InvalidRequests;
import dev.batchpipe.api.ResultsExport;
import dev.batchpipe.api.ScheduleControl;
import dev.batchpipe.api.ServiceHealth;
import dev.batchpipe.api.SwaggerUi;
import dev.batchpipe.api.TaskCatalog;
import dev.batchpipe.api.TaskEstimate;
import dev.batchpipe.api.WebAssets;
import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.intake.RequestFactory;
import dev.batchpipe.pipeline.BatchLimits;
import dev.batchpipe.pipeline.Cancellation;
import dev.batchpipe.pipeline.DeadLetters;
import dev.batchpipe.pipeline.JobCompletion;
import dev.batchpipe.store.JobReports;
import dev.batchpipe.store.RecentAlerts;
import dev.batchpipe.task.TaskRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.quartz.QuartzComponent;
import org.jdbi.v3.core.Jdbi;

/**
 * The beans of the operator's side (issue 14): the API's views, exports, estimates, reports, schedules control,
 * cancelling, alerts and the dashboard's files, used by routes/api-*.camel.yaml, the poll route and the CLI. A configuration of their own beside
 * {@link BatchpipeConfiguration}, wired the same way (lazy factories, settings injected, collaborators by type), so
 * neither class grows past what Camel's ordering of factory methods handles.
 */
public class OperatorConfiguration implements CamelConfiguration {

    @BindToRegistry(lazy = true)
    public ApiReads apiReads(Jdbi jdbi, JobReports reports, DeadLetters deadLetters, PriceTable prices) {
        return new ApiReads(jdbi, reports, deadLetters, prices);
    }

    @BindToRegistry(lazy = true)
    public ResultsExport resultsExport(Jdbi jdbi, TaskRegistry tasks, @PropertyInject("batchpipe.data-dir") String dataDir) {
        return new ResultsExport(jdbi, tasks, Path.of(dataDir));
    }

    @BindToRegistry(lazy = true)
    public TaskEstimate taskEstimate(RequestFactory requests, BatchLimits limits, PriceTable prices, Jdbi jdbi,
                                     @PropertyInject("batchpipe.intake.max-record-bytes") int maxRecordBytes) {
        return new TaskEstimate(requests, limits, prices, jdbi, maxRecordBytes);
    }

    @BindToRegistry(lazy = true)
    public CostReport costReport(Jdbi jdbi, PriceTable prices) {
        return new CostReport(jdbi, prices);
    }

    @BindToRegistry(lazy = true)
    public TaskCatalog taskCatalog(TaskRegistry tasks) {
        return new TaskCatalog(tasks);
    }

    @BindToRegistry(lazy = true)
    public ScheduleControl scheduleControl(CamelContext context) {
        return new ScheduleControl(() -> context.getComponent("quartz", QuartzComponent.class).getScheduler());
    }

    @BindToRegistry(lazy = true)
    public SwaggerUi swaggerUi() {
        return new SwaggerUi();
    }

    @BindToRegistry(lazy = true)
    public ServiceHealth serviceHealth(CamelContext context) {
        return new ServiceHealth(context);
    }

    @BindToRegistry(lazy = true)
    public Cancellation cancellation(Jdbi jdbi, JobCompletion completion) {
        return new Cancellation(jdbi, completion);
    }

    @BindToRegistry(lazy = true)
    public AlertsApi alertsApi(Jdbi jdbi) {
        return new AlertsApi(new RecentAlerts(jdbi));
    }

    @BindToRegistry(lazy = true)
    public WebAssets webAssets() {
        return new WebAssets();
    }

    /**
     * The Vert.x of the HTTP server (camel-platform-http-vertx takes the one in the registry, and then leaves closing it
     * to us): requests too malformed to reach a route are answered as problems too.
     */
    @BindToRegistry(lazy = true, destroyMethod = "close")
    public Vertx vertx() {
        return InvalidRequests.vertxAnsweringWith(Vertx.vertx(), new InvalidRequests());
    }
}
