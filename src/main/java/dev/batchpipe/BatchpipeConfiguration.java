package dev.batchpipe;

import dev.batchpipe.api.ApiGuard;
import dev.batchpipe.api.DatabaseHealthCheck;
import dev.batchpipe.api.ApiReads;
import dev.batchpipe.api.JobsApi;
import dev.batchpipe.api.TaskEstimate;
import dev.batchpipe.api.RequestLimits;
import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.image.ImageSpool;
import dev.batchpipe.intake.ClaimPolls;
import dev.batchpipe.intake.DbIntake;
import dev.batchpipe.intake.DbSourceRoutes;
import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.FileJobs;
import dev.batchpipe.intake.ImageInputs;
import dev.batchpipe.intake.InboxIntake;
import dev.batchpipe.intake.InboxReadLocks;
import dev.batchpipe.intake.JobWriter;
import dev.batchpipe.intake.RequestFactory;
import dev.batchpipe.intake.VideoInputs;
import dev.batchpipe.pipeline.BatchAggregation;
import dev.batchpipe.pipeline.BatchCanceller;
import dev.batchpipe.pipeline.BatchClaims;
import dev.batchpipe.pipeline.BatchCreator;
import dev.batchpipe.pipeline.BatchDeadlines;
import dev.batchpipe.pipeline.BatchFiles;
import dev.batchpipe.pipeline.BatchLimits;
import dev.batchpipe.pipeline.BatchRecorder;
import dev.batchpipe.pipeline.BatchStatus;
import dev.batchpipe.pipeline.BatchSubmissions;
import dev.batchpipe.pipeline.BatchUploader;
import dev.batchpipe.pipeline.CachedAnswers;
import dev.batchpipe.pipeline.Cancellation;
import dev.batchpipe.pipeline.ClusteredQuartz;
import dev.batchpipe.observe.AlertRules;
import dev.batchpipe.observe.DatabaseGauges;
import dev.batchpipe.observe.RaisedAlerts;
import dev.batchpipe.pipeline.DayBudgets;
import dev.batchpipe.pipeline.DeadLetters;
import dev.batchpipe.pipeline.EntityResolver;
import dev.batchpipe.pipeline.JobCompletion;
import dev.batchpipe.pipeline.OutputWriter;
import dev.batchpipe.pipeline.OvernightWindow;
import dev.batchpipe.pipeline.OvernightWindows;
import dev.batchpipe.pipeline.PendingRequests;
import dev.batchpipe.pipeline.PollRecords;
import dev.batchpipe.pipeline.PollSchedule;
import dev.batchpipe.pipeline.ProviderHolds;
import dev.batchpipe.pipeline.MediaUploads;
import dev.batchpipe.pipeline.RequestLines;
import dev.batchpipe.pipeline.RequestGroups;
import dev.batchpipe.pipeline.RequestRenderer;
import dev.batchpipe.pipeline.RequestStates;
import dev.batchpipe.pipeline.ResultDownloads;
import dev.batchpipe.pipeline.ResultIngester;
import dev.batchpipe.pipeline.RowCache;
import dev.batchpipe.pipeline.SubmitRefusals;
import dev.batchpipe.pipeline.SyntheticPurge;
import dev.batchpipe.pipeline.UnfitRequests;
import dev.batchpipe.provider.ProviderHttp;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.provider.SandboxPolicy;
import dev.batchpipe.sandbox.Sandbox;
import dev.batchpipe.store.Database;
import dev.batchpipe.store.DatabaseOutage;
import dev.batchpipe.store.Heartbeat;
import dev.batchpipe.store.Instance;
import dev.batchpipe.store.JobReports;
import dev.batchpipe.store.LeaseKeeper;
import dev.batchpipe.task.TaskRegistry;
import dev.batchpipe.task.TokenEstimator;
import java.io.IOException;
import io.micrometer.core.instrument.MeterRegistry;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import javax.sql.DataSource;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * batchpipe's beans, the camel-main way: one factory method per bean, its settings injected from
 * application.properties (where every default lives, once) and its collaborators from the registry by type. Beans
 * are lazy, so each is built on first use whatever the order of the methods, and only what the loaded routes use is
 * built. Used by the CLI and by {@code @CamelMainTest}, so tests boot exactly what production boots.
 */
public class BatchpipeConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(BatchpipeConfiguration.class);

    @PropertyInject("camel.server.enabled")
    boolean service;
    @PropertyInject("batchpipe.http.host")
    String httpHost;
    @PropertyInject("batchpipe.http.port")
    int httpPort;
    @PropertyInject("batchpipe.api.token")
    String apiToken;
    @PropertyInject("batchpipe.overnight.enabled")
    boolean overnight;

    /** What only the service checks or prepares before anything starts. */
    @Override
    public void configure(CamelContext context) throws Exception {
        if (service) {
            checkPortFree(httpHost, httpPort);
            ApiGuard guard = context.getRegistry().lookupByNameAndType("apiGuard", ApiGuard.class);
            if (guard.openToTheNetwork() && blank(apiToken)) {
                LOG.warn("The API is bound to {} without BATCHPIPE_API_TOKEN: its changing endpoints refuse every call",
                        httpHost);
            }
            // every call under /api meets the limits before any route sees it
            RequestLimits limits = context.getRegistry().lookupByNameAndType("requestLimits", RequestLimits.class);
            context.addStartupListener((started, alreadyStarted) -> limits.install(started, httpPort));
            // before any route takes work: which providers wait for a key, and why (or no start at all)
            context.getRegistry().lookupByNameAndType("providerHolds", ProviderHolds.class).record();
        }
    }

    // --- store -----------------------------------------------------------------------------------------------------

    @BindToRegistry(lazy = true, destroyMethod = "close")
    public Database database(@PropertyInject("batchpipe.db.url") String url, @PropertyInject("batchpipe.db.user") String user,
                             @PropertyInject("batchpipe.db.password") String password,
                             @PropertyInject("batchpipe.data-dir") String dataDir,
                             @PropertyInject("batchpipe.db.pool-size") int poolSize,
                             @PropertyInject("batchpipe.db.embedded-port") int embeddedPort) {
        return Database.open(new Database.Settings(orNull(url), orNull(user), orNull(password), Path.of(dataDir), poolSize,
                embeddedPort));
    }

    @BindToRegistry(lazy = true)
    public DataSource dataSource(Database database) {
        return database.dataSource();
    }

    /** LISTEN/NOTIFY needs its own connection outside the pool (camel-pgevent). */
    @BindToRegistry(lazy = true)
    public DataSource pgEventDataSource(Database database) {
        return database.notificationDataSource();
    }

    @BindToRegistry(lazy = true)
    public Jdbi jdbi(Database database) {
        return database.jdbi();
    }

    @BindToRegistry(lazy = true)
    public Instance instance(Jdbi jdbi) {
        return Instance.of(jdbi);
    }

    /** This instance's row in instances, renewed by the heartbeat route. */
    @BindToRegistry(lazy = true)
    public Heartbeat heartbeat(Jdbi jdbi, Instance instance, DatabaseOutage outage,
                               @PropertyInject("batchpipe.heartbeat.timeout") Duration timeout) {
        return new Heartbeat(jdbi, instance, timeout, outage);
    }

    /** Whether the database is away: said once when it goes and once when it is back. */
    @BindToRegistry(lazy = true)
    public DatabaseOutage databaseOutage() {
        return new DatabaseOutage();
    }

    @BindToRegistry(lazy = true)
    public JobReports jobReports(Jdbi jdbi) {
        return new JobReports(jdbi);
    }

    // --- tasks, providers, prices ------------------------------------------------------------------------------------

    @BindToRegistry(lazy = true)
    public TaskRegistry tasks(@PropertyInject("batchpipe.tasks.dir") String dir, Providers providers) {
        return TaskRegistry.load(Path.of(dir)).requireServed(providers::refusal);
    }

    @BindToRegistry(lazy = true, destroyMethod = "stop")
    public Sandbox sandbox(@PropertyInject("batchpipe.data-dir") String dataDir,
                           @PropertyInject("batchpipe.sandbox.speed") double speed,
                           @PropertyInject("batchpipe.sandbox.tokens-per-second") long tokensPerSecond,
                           @PropertyInject("batchpipe.sandbox.token-factor") double tokenFactor,
                           @PropertyInject("batchpipe.sandbox.count-as-sent") boolean countAsSent) {
        return Sandbox.sharedIn(Path.of(dataDir).resolve("sandbox"), speed, tokensPerSecond, tokenFactor, countAsSent);
    }

    @BindToRegistry(lazy = true)
    public SandboxPolicy sandboxPolicy(@PropertyInject("batchpipe.sandbox") String sandbox,
                                       @PropertyInject("batchpipe.sandbox.providers") String providers,
                                       @PropertyInject("batchpipe.db.url") String dbUrl) {
        return SandboxPolicy.of(sandbox, providers, dbUrl);
    }

    @BindToRegistry(lazy = true)
    public Providers providers(CamelContext context, Sandbox sandbox, Instance instance, SandboxPolicy policy) {
        return Providers.fromConfig(new Config(context), sandbox::baseUrl, instance.installationTag(), policy,
                new ProviderHttp(context.createProducerTemplate()));
    }

    @BindToRegistry(lazy = true)
    public PriceTable priceTable(CamelContext context) {
        return PriceTable.fromConfig(new Config(context));
    }

    // --- intake ------------------------------------------------------------------------------------------------------

    /** One way to make a request and count its tokens, for intake and for estimates. */
    @BindToRegistry(lazy = true)
    public RequestFactory requestFactory(Providers providers, RequestRenderer renderer) {
        return new RequestFactory(new TokenEstimator(), providers, renderer);
    }

    @BindToRegistry(lazy = true)
    public JobWriter jobWriter(Jdbi jdbi, RequestFactory requests,
                               @PropertyInject("batchpipe.intake.max-stored-errors") int maxStoredErrors) {
        return new JobWriter(jdbi, requests, maxStoredErrors);
    }

    @BindToRegistry(lazy = true)
    public FileJobs fileJobs(JobWriter writer, TaskRegistry tasks,
                             @PropertyInject("batchpipe.intake.max-record-bytes") int maxRecordBytes,
                             @PropertyInject("batchpipe.data-dir") String dataDir, CachedAnswers cache, Jdbi jdbi,
                             JobCompletion completion) {
        return new FileJobs(writer, tasks, new FileJobs.Settings(maxRecordBytes, Path.of(dataDir).resolve("errors")),
                cache, jdbi, completion);
    }

    /** The row cache: answers by task, request template version and item content, across jobs and files. */
    @BindToRegistry(lazy = true)
    public RowCache rowCache(TaskRegistry tasks, Providers providers) {
        return new RowCache(tasks, providers);
    }

    @BindToRegistry(lazy = true)
    public CachedAnswers cachedAnswers(RowCache cache, ResultIngester ingester) {
        return new CachedAnswers(cache, ingester);
    }

    @BindToRegistry(lazy = true)
    public ImageInputs imageInputs(ImageSpool spool, Providers providers) {
        return new ImageInputs(spool, providers);
    }

    @BindToRegistry(lazy = true)
    public FileIntake fileIntake(CamelContext context) {
        return new FileIntake(context.createProducerTemplate());
    }

    @BindToRegistry(lazy = true)
    public InboxIntake inboxIntake(TaskRegistry tasks, @PropertyInject("batchpipe.inbox.dir") String inbox)
            throws IOException {
        if (service) {
            InboxIntake.prepareFolders(Path.of(inbox), tasks);
        }
        return new InboxIntake();
    }

    /** The inbox's read lock across instances (routes/intake-files.camel.yaml). */
    @BindToRegistry(lazy = true)
    public InboxReadLocks inboxReadLocks(Jdbi jdbi, Instance instance, DatabaseOutage outage) {
        return new InboxReadLocks(jdbi, instance, outage);
    }

    @BindToRegistry(lazy = true)
    public DbIntake dbIntake(Jdbi jdbi, TaskRegistry tasks, JobWriter writer, JobCompletion completion, Instance instance,
                             @PropertyInject("batchpipe.db-source.claim-size") int claimSize, CachedAnswers cache) {
        return new DbIntake(jdbi, tasks, writer, completion, instance, new DbIntake.Settings(claimSize), cache);
    }

    @BindToRegistry(lazy = true)
    public ClaimPolls claimPolls() {
        return new ClaimPolls();
    }

    /** The schedule of the extraction-run claims (routes/intake-db.camel.yaml), woken by NOTIFY. */
    @BindToRegistry(lazy = true)
    public ClaimPolls.Scheduler runClaims(ClaimPolls polls) {
        return polls.scheduler();
    }

    // --- pipeline ----------------------------------------------------------------------------------------------------

    @BindToRegistry(lazy = true)
    public RequestStates requestStates(@PropertyInject("batchpipe.max-attempts") int maxAttempts,
                                       @PropertyInject("batchpipe.max-transient-failures") int maxTransientFailures) {
        return new RequestStates(new RequestStates.Limits(maxAttempts, maxTransientFailures, Duration.ZERO));
    }

    @BindToRegistry(lazy = true)
    public RequestRenderer requestRenderer(TaskRegistry tasks, MediaUploads uploads, Providers providers,
                                           ImageSpool spool) {
        // only Gemini takes video: a task or run sending one elsewhere is refused before anything is rendered
        return new RequestRenderer(tasks, video -> uploads.fileFor("gemini", providers.mediaFiles("gemini"),
                spool.path(video.sha256()), video.mediaType(), video.sha256(), video.bytes()).uri());
    }

    @BindToRegistry(lazy = true)
    public VideoInputs videoInputs(ImageSpool spool, Providers providers) {
        return new VideoInputs(spool, providers);
    }

    /** Videos, uploaded to the provider's Files API once per content, when a request first needs them. */
    @BindToRegistry(lazy = true)
    public MediaUploads mediaUploads(Jdbi jdbi,
                                     @PropertyInject("batchpipe.video.processing-timeout") Duration timeout,
                                     @PropertyInject("batchpipe.video.processing-poll") Duration poll) {
        return new MediaUploads(jdbi, timeout, poll);
    }

    @BindToRegistry(lazy = true)
    public JobCompletion jobCompletion(TaskRegistry tasks) {
        return new JobCompletion(tasks);
    }

    @BindToRegistry(lazy = true)
    public PollSchedule pollSchedule(@PropertyInject("batchpipe.poll.first-interval") Duration firstInterval,
                                     @PropertyInject("batchpipe.poll.factor") double factor,
                                     @PropertyInject("batchpipe.poll.max-interval") Duration maxInterval,
                                     @PropertyInject("batchpipe.poll.sandbox-first-interval") Duration sandboxFirst,
                                     @PropertyInject("batchpipe.poll.sandbox-max-interval") Duration sandboxMax) {
        return new PollSchedule(firstInterval, factor, maxInterval, sandboxFirst, sandboxMax);
    }

    @BindToRegistry(lazy = true)
    public BatchClaims batchClaims(Jdbi jdbi, Instance instance, @PropertyInject("batchpipe.lease") Duration lease) {
        return new BatchClaims(jdbi, instance, lease);
    }

    @BindToRegistry(lazy = true)
    public LeaseKeeper leaseKeeper(Jdbi jdbi, Instance instance, DatabaseOutage outage,
                                   @PropertyInject("batchpipe.lease") Duration lease) {
        return new LeaseKeeper(jdbi, instance, lease, outage);
    }

    @BindToRegistry(lazy = true)
    public PendingRequests pendingRequests(Jdbi jdbi, Providers providers,
                                           @PropertyInject("batchpipe.quota.margin") double margin) {
        return new PendingRequests(jdbi, p -> providers.has(p) ? Optional.of(providers.get(p).limits()) : Optional.empty(),
                providers.holds().keySet(), margin);
    }

    @BindToRegistry(lazy = true)
    public RequestGroups requestGroups(TaskRegistry tasks,
                                       @PropertyInject("batchpipe.micro-batch.max-input-tokens") long maxInputTokens,
                                       @PropertyInject("batchpipe.micro-batch.max-output-tokens") long maxOutputTokens) {
        return new RequestGroups(tasks, maxInputTokens, maxOutputTokens);
    }

    @BindToRegistry(lazy = true)
    public RequestLines requestLines(Providers providers, RequestRenderer renderer) {
        return new RequestLines(providers, renderer);
    }

    @BindToRegistry(lazy = true)
    public BatchLimits batchLimits(Providers providers,
                                   @PropertyInject("batchpipe.quota.max-batch-share") double maxBatchShare) {
        return new BatchLimits(p -> providers.get(p).limits(), maxBatchShare);
    }

    @BindToRegistry(lazy = true)
    public UnfitRequests unfitRequests(Jdbi jdbi, RequestStates states, JobCompletion completion) {
        return new UnfitRequests(jdbi, states, completion);
    }

    @BindToRegistry(lazy = true)
    public BatchFiles batchFiles(Jdbi jdbi, Providers providers, RequestRenderer renderer, ImageSpool images,
                                 @PropertyInject("batchpipe.data-dir") String dataDir) {
        return new BatchFiles(Path.of(dataDir).resolve("batches"), jdbi, providers, renderer, images);
    }

    /** Image inputs, copied in once at intake; batch files and realtime calls stream them from here. */
    @BindToRegistry(lazy = true)
    public ImageSpool imageSpool(@PropertyInject("batchpipe.data-dir") String dataDir) {
        return new ImageSpool(Path.of(dataDir).resolve("images"));
    }

    @BindToRegistry(lazy = true)
    public BatchAggregation batchAggregation(BatchLimits limits, BatchFiles files) {
        return new BatchAggregation(limits, files::open);
    }

    @BindToRegistry(lazy = true)
    public BatchRecorder batchRecorder(Jdbi jdbi, BatchLimits limits, BatchFiles files, Providers providers) {
        return new BatchRecorder(jdbi, limits, files, providers::sandboxed);
    }

    @BindToRegistry(lazy = true)
    public BatchUploader batchUploader(Providers providers, Instance instance) {
        return new BatchUploader(providers, instance);
    }

    @BindToRegistry(lazy = true)
    public BatchCreator batchCreator(Jdbi jdbi, Providers providers, Instance instance) {
        return new BatchCreator(jdbi, providers, instance);
    }

    @BindToRegistry(lazy = true)
    public BatchSubmissions batchSubmissions(Jdbi jdbi, Providers providers, PollSchedule schedule) {
        return new BatchSubmissions(jdbi, providers, schedule);
    }

    @BindToRegistry(lazy = true)
    public SubmitRefusals submitRefusals(Jdbi jdbi, RequestStates states, JobCompletion completion, Providers providers,
                                         @PropertyInject("batchpipe.quota.backoff") Duration quotaBackoff) {
        return new SubmitRefusals(jdbi, states, quotaBackoff, completion, p -> providers.get(p).limits());
    }

    @BindToRegistry(lazy = true)
    public BatchStatus batchStatus(Providers providers) {
        return new BatchStatus(providers);
    }

    @BindToRegistry(lazy = true)
    public BatchDeadlines batchDeadlines(@PropertyInject("batchpipe.poll.stuck-grace") Duration stuckGrace,
                                         @PropertyInject("batchpipe.poll.max-running") Duration maxRunning) {
        return new BatchDeadlines(stuckGrace, maxRunning, Clock.systemUTC());
    }

    @BindToRegistry(lazy = true)
    public BatchCanceller batchCanceller(Providers providers) {
        return new BatchCanceller(providers);
    }

    @BindToRegistry(lazy = true)
    public PollRecords pollRecords(Jdbi jdbi, Providers providers, RequestStates states, PollSchedule schedule) {
        return new PollRecords(jdbi, providers, states, schedule);
    }

    @BindToRegistry(lazy = true)
    public ResultDownloads resultDownloads(Jdbi jdbi, Providers providers) {
        return new ResultDownloads(jdbi, providers);
    }

    @BindToRegistry(lazy = true)
    public OutputWriter outputWriter(Jdbi jdbi, TaskRegistry tasks,
                                     @PropertyInject("batchpipe.entities.similarity-threshold") double similarity) {
        OutputWriter writer = new OutputWriter(new EntityResolver(similarity));
        writer.verify(jdbi, tasks);
        return writer;
    }

    /**
     * The threads a finished batch's chunks are written on, batchpipe.ingest.writers at once: a chunk's time is mostly
     * PostgreSQL's, so a second chunk in flight uses the second core. The queue holds as many chunks as there are
     * writers; when it is full the reading thread writes the next chunk itself, so the lines read ahead stay bounded.
     */
    @BindToRegistry(lazy = true)
    public ExecutorService ingestWriters(CamelContext context, @PropertyInject("batchpipe.ingest.writers") int writers) {
        ThreadPoolProfile profile = new ThreadPoolProfileBuilder("ingest-writers").poolSize(writers)
                .maxPoolSize(writers).maxQueueSize(writers).rejectedPolicy(ThreadPoolRejectedPolicy.CallerRuns).build();
        return context.getExecutorServiceManager().newThreadPool(this, "ingest-write", profile);
    }

    @BindToRegistry(lazy = true)
    public ResultIngester resultIngester(Jdbi jdbi, TaskRegistry tasks, OutputWriter writer, RequestStates states,
                                         JobCompletion completion, PriceTable prices, SubmitRefusals refusals,
                                         RowCache cache) {
        return new ResultIngester(jdbi, tasks, writer, states, completion, prices, refusals, cache);
    }

    /** The db-source-rows routes' parameters, one set per task with an automatic source table. */
    @BindToRegistry(lazy = true)
    public DbSourceRoutes dbSourceRoutes(TaskRegistry tasks,
                                         @PropertyInject("batchpipe.db-source.auto-pickup") boolean autoPickUp) {
        return new DbSourceRoutes(tasks.all(), autoPickUp);
    }

    /** The overnight-window routes' parameters, one set per task (one-shot commands open no windows). */
    @BindToRegistry(lazy = true)
    public OvernightWindows overnightWindows(TaskRegistry tasks, CamelContext context,
                                             @PropertyInject("batchpipe.overnight.cron") String defaultCron) {
        return new OvernightWindows(overnight ? tasks.all() : List.of(), defaultCron,
                key -> context.getPropertiesComponent().resolveProperty(key));
    }

    @BindToRegistry(lazy = true)
    public OvernightWindow overnightWindow(Jdbi jdbi) {
        return new OvernightWindow(jdbi);
    }

    @BindToRegistry(lazy = true)
    public DeadLetters deadLetters(Jdbi jdbi, JobCompletion completion) {
        return new DeadLetters(jdbi, completion);
    }

    @BindToRegistry(lazy = true)
    public ProviderHolds providerHolds(Jdbi jdbi, Providers providers, TaskRegistry tasks, SandboxPolicy policy) {
        return new ProviderHolds(jdbi, providers, tasks, policy);
    }

    @BindToRegistry(lazy = true)
    public SyntheticPurge syntheticPurge(Jdbi jdbi, TaskRegistry tasks, JobCompletion completion) {
        return new SyntheticPurge(jdbi, tasks, completion);
    }

    /** Quartz on the JDBC job store, clustered across the instances on one database (one-shot commands are not). */
    @BindToRegistry(lazy = true)
    public QuartzComponent quartz(@BeanInject("dataSource") DataSource dataSource,
                                  @PropertyInject("batchpipe.quartz.clustered") boolean clustered,
                                  @PropertyInject("batchpipe.quartz.instance-id") String instanceId) {
        return ClusteredQuartz.component(dataSource, clustered, instanceId);
    }

    // --- observing: metrics, alerts, budgets ------------------------------------------------------------------------

    /** The time budgets and alerts count days and windows in (a bean, so a test can move it). */
    @BindToRegistry(lazy = true)
    public Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * The gauges read from PostgreSQL, on the one Prometheus registry that camel.metrics.* sets up (with Camel's route
     * metrics and the provider-http counter).
     */
    @BindToRegistry(lazy = true)
    public DatabaseGauges databaseGauges(Jdbi jdbi, PriceTable prices, @BeanInject("metricsRegistry") MeterRegistry registry) {
        return new DatabaseGauges(jdbi, prices, registry);
    }

    @BindToRegistry(lazy = true)
    public DayBudgets dayBudgets(Jdbi jdbi, TaskRegistry tasks, PriceTable prices, Clock clock,
                                 @PropertyInject("batchpipe.budget.usd-per-day") String everything) {
        return new DayBudgets(jdbi, tasks, prices, new BigDecimal(everything.trim()), clock);
    }

    @BindToRegistry(lazy = true)
    public AlertRules alertRules(Jdbi jdbi, DayBudgets budgets, @BeanInject("metricsRegistry") MeterRegistry registry,
                                 Clock clock,
                                 @PropertyInject("batchpipe.alerts.failure-rate") double failureRate,
                                 @PropertyInject("batchpipe.alerts.failure-rate-window") Duration failureWindow,
                                 @PropertyInject("batchpipe.alerts.failure-rate-min-requests") int failureMinRequests,
                                 @PropertyInject("batchpipe.alerts.batch-age") Duration batchAge,
                                 @PropertyInject("batchpipe.alerts.provider-errors") int providerErrors,
                                 @PropertyInject("batchpipe.alerts.provider-errors-window") Duration providerErrorWindow,
                                 @PropertyInject("batchpipe.alerts.quota-held") Duration quotaHeld) {
        return new AlertRules(jdbi, budgets, registry, new AlertRules.Settings(failureRate, failureWindow,
                failureMinRequests, batchAge, providerErrors, providerErrorWindow, quotaHeld), clock);
    }

    @BindToRegistry(lazy = true)
    public RaisedAlerts raisedAlerts(Jdbi jdbi) {
        return new RaisedAlerts(jdbi);
    }

    // --- api ---------------------------------------------------------------------------------------------------------

    @BindToRegistry(lazy = true)
    public DatabaseHealthCheck databaseHealthCheck(Database database, DatabaseOutage outage) {
        return new DatabaseHealthCheck(database, outage);
    }

    @BindToRegistry(lazy = true)
    public ApiGuard apiGuard(@PropertyInject("batchpipe.api.auth-failures-per-minute") int failuresPerMinute) {
        return new ApiGuard(httpHost, orNull(apiToken), failuresPerMinute);
    }

    @BindToRegistry(lazy = true)
    public RequestLimits requestLimits(ApiGuard guard, @PropertyInject("batchpipe.api.max-body-bytes") long maxBodyBytes,
                                       @PropertyInject("batchpipe.api.read-timeout") Duration readTimeout) {
        return new RequestLimits(guard, maxBodyBytes, readTimeout);
    }

    @BindToRegistry(lazy = true)
    public JobsApi jobsApi(JobReports reports, ApiReads reads, TaskRegistry tasks, FileIntake intake,
                           DeadLetters deadLetters, Cancellation cancellation, DbIntake runs, TaskEstimate estimate,
                           ApiGuard guard, RequestLimits limits, @PropertyInject("batchpipe.data-dir") String dataDir) {
        return new JobsApi(reports, reads, tasks, intake, deadLetters, cancellation, runs, estimate, guard,
                Path.of(dataDir).resolve("uploads"), limits.maxBodyBytes());
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String orNull(String s) {
        return blank(s) ? null : s.trim();
    }

    /** Vert.x would fail later with a bare "Address already in use"; say which setting to change instead. */
    private static void checkPortFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new StartupException("HTTP port " + port + " on " + host
                    + " is already in use (set BATCHPIPE_HTTP_PORT to a free port)");
        }
    }
}
