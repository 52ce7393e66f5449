package dev.batchpipe;

import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.pipeline.EntityResolver;
import dev.batchpipe.pipeline.OutputWriter;
import dev.batchpipe.pipeline.ResultIngester;
import dev.batchpipe.intake.DbIntake;
import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.InboxIntake;
import dev.batchpipe.intake.JobWriter;
import dev.batchpipe.intake.RequestFactory;
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
import dev.batchpipe.pipeline.DeadLetters;
import dev.batchpipe.pipeline.PendingRequests;
import dev.batchpipe.pipeline.PollRecords;
import dev.batchpipe.pipeline.PollSchedule;
import dev.batchpipe.pipeline.RequestLines;
import dev.batchpipe.pipeline.ResultDownloads;
import dev.batchpipe.pipeline.SubmitRefusals;
import dev.batchpipe.pipeline.UnfitRequests;
import dev.batchpipe.store.LeaseKeeper;
import dev.batchpipe.store.Instance;
import dev.batchpipe.pipeline.JobCompletion;
import dev.batchpipe.pipeline.OvernightWindow;
import dev.batchpipe.pipeline.OvernightWindows;
import dev.batchpipe.pipeline.RequestRenderer;
import dev.batchpipe.pipeline.RequestStates;
import dev.batchpipe.provider.Providers;
import dev.batchpipe.provider.SandboxLauncher;
import dev.batchpipe.sandbox.SandboxConfig;
import dev.batchpipe.api.ApiGuard;
import dev.batchpipe.pipeline.ClusteredQuartz;
import dev.batchpipe.store.Database;
import dev.batchpipe.api.DatabaseHealthCheck;
import dev.batchpipe.store.JobReports;
import dev.batchpipe.api.JobsApi;
import dev.batchpipe.task.TaskRegistry;
import dev.batchpipe.task.TokenEstimator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.jdbi.v3.core.Jdbi;

/**
 * Wires batchpipe's beans into the Camel registry, where the YAML routes find them by name. Used by the CLI and by
 * {@code @CamelMainTest}, so tests boot exactly what production boots.
 */
public class BatchpipeConfiguration implements CamelConfiguration {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BatchpipeConfiguration.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        Config config = new Config(context);
        if (config.bool("camel.server.enabled", false)) {
            checkPortFree(config.string("batchpipe.http.host", "127.0.0.1"), config.integer("batchpipe.http.port", 8080));
        }
        Registry registry = context.getRegistry();
        Path dataDir = config.dataDir();

        Database database = Database.open(new Database.Settings(
                config.optional("batchpipe.db.url").orElse(null),
                config.optional("batchpipe.db.user").orElse(null),
                config.optional("batchpipe.db.password").orElse(null),
                dataDir,
                config.integer("batchpipe.db.pool-size", 10)));
        context.addService(database, true, true);
        registry.bind("database", database);
        registry.bind("dataSource", database.dataSource());
        registry.bind("databaseHealthCheck", new DatabaseHealthCheck(database));
        Jdbi jdbi = database.jdbi();
        JobReports reports = new JobReports(jdbi);
        registry.bind("jobReports", reports);

        TaskRegistry tasks = TaskRegistry.load(context, config.path("batchpipe.tasks.dir", "./tasks"));
        registry.bind("tasks", tasks);

        SandboxLauncher sandbox = new SandboxLauncher(dataDir.resolve("sandbox"), SandboxConfig.builder()
                .speed(config.decimal("batchpipe.sandbox.speed", 600))
                .tokensPerSecond(config.longValue("batchpipe.sandbox.tokens-per-second", 20_000))
                .build());
        context.addService(sandbox, true, true);
        registry.bind("sandbox", sandbox);
        Instance instance = Instance.of(jdbi);
        Providers providers = Providers.fromConfig(config, sandbox::baseUrl, instance.installationTag());
        registry.bind("providers", providers);

        Duration lease = config.duration("batchpipe.lease", Duration.ofMinutes(2));
        Duration quotaBackoff = config.duration("batchpipe.quota.backoff", Duration.ofMinutes(5));
        RequestStates states = new RequestStates(new RequestStates.Limits(
                config.integer("batchpipe.max-attempts", 3),
                config.integer("batchpipe.max-transient-failures", 10),
                Duration.ZERO));
        RequestRenderer renderer = new RequestRenderer(tasks);

        JobWriter jobWriter = new JobWriter(jdbi, new RequestFactory(new TokenEstimator(), providers),
                config.integer("batchpipe.intake.max-stored-errors", 10_000));
        FileIntake fileIntake = new FileIntake(jobWriter, tasks, new FileIntake.Settings(
                config.integer("batchpipe.intake.chunk-size", 500),
                config.integer("batchpipe.intake.max-record-bytes", 8 << 20),
                dataDir.resolve("errors")));
        registry.bind("fileIntake", fileIntake);
        registry.bind("inboxIntake", new InboxIntake(fileIntake, tasks));
        if (config.bool("camel.server.enabled", false)) {
            InboxIntake.prepareFolders(config.path("batchpipe.inbox.dir", "./inbox"), tasks);
        }

        PollSchedule pollSchedule = new PollSchedule(
                config.duration("batchpipe.poll.first-interval", Duration.ofSeconds(30)),
                config.decimal("batchpipe.poll.factor", 1.5),
                config.duration("batchpipe.poll.max-interval", Duration.ofMinutes(10)),
                config.duration("batchpipe.poll.sandbox-first-interval", Duration.ofMillis(500)),
                config.duration("batchpipe.poll.sandbox-max-interval", Duration.ofSeconds(3)));
        JobCompletion completion = new JobCompletion(tasks);
        BatchLimits batchLimits = new BatchLimits(p -> providers.get(p).limits());
        BatchFiles batchFiles = new BatchFiles(dataDir.resolve("batches"), jdbi, providers, renderer);
        registry.bind("pendingRequests", new PendingRequests(jdbi));
        registry.bind("requestLines", new RequestLines(providers, renderer));
        registry.bind("batchLimits", batchLimits);
        registry.bind("unfitRequests", new UnfitRequests(jdbi, states, completion));
        registry.bind("batchAggregation", new BatchAggregation(batchLimits, batchFiles::open));
        registry.bind("batchRecorder", new BatchRecorder(jdbi, batchLimits, batchFiles));
        registry.bind("batchFiles", batchFiles);
        registry.bind("batchClaims", new BatchClaims(jdbi, instance, lease));
        registry.bind("leaseKeeper", new LeaseKeeper(jdbi, instance, lease));
        registry.bind("batchUploader", new BatchUploader(providers, instance));
        registry.bind("batchCreator", new BatchCreator(jdbi, providers, instance));
        registry.bind("batchSubmissions", new BatchSubmissions(jdbi, providers, pollSchedule));
        registry.bind("submitRefusals", new SubmitRefusals(jdbi, states, quotaBackoff));
        registry.bind("batchStatus", new BatchStatus(providers));
        registry.bind("batchDeadlines", new BatchDeadlines(config.duration("batchpipe.poll.stuck-grace", Duration.ofHours(1)),
                config.duration("batchpipe.poll.max-running", Duration.ofHours(49)), Clock.systemUTC()));
        registry.bind("batchCanceller", new BatchCanceller(providers));
        registry.bind("pollRecords", new PollRecords(jdbi, providers, states, pollSchedule));
        registry.bind("resultDownloads", new ResultDownloads(jdbi, providers));

        OutputWriter writer = new OutputWriter(new EntityResolver(
                config.decimal("batchpipe.entities.similarity-threshold", 0.6)));
        writer.verify(jdbi, tasks);
        registry.bind("resultIngester", new ResultIngester(jdbi, tasks, writer, states, completion,
                PriceTable.fromConfig(config), quotaBackoff));
        registry.bind("dbIntake", new DbIntake(jdbi, tasks, jobWriter, completion, instance, new DbIntake.Settings(
                config.integer("batchpipe.db-source.claim-size", 500), lease,
                config.bool("batchpipe.db-source.auto-pickup", true))));
        registry.bind("overnightWindow", new OvernightWindow(jdbi));
        DeadLetters deadLetters = new DeadLetters(jdbi, tasks);
        registry.bind("deadLetters", deadLetters);
        ApiGuard guard = new ApiGuard(config.string("batchpipe.http.host", "127.0.0.1"),
                config.optional("batchpipe.api.token").orElse(null));
        if (config.bool("camel.server.enabled", false) && guard.openToTheNetwork()
                && config.optional("batchpipe.api.token").isEmpty()) {
            LOG.warn("The API is bound to {} without BATCHPIPE_API_TOKEN: its changing endpoints refuse every call",
                    config.string("batchpipe.http.host", "127.0.0.1"));
        }
        registry.bind("jobsApi", new JobsApi(reports, tasks, fileIntake, deadLetters, guard, dataDir.resolve("uploads")));

        registry.bind("quartz", ClusteredQuartz.component(database.dataSource(),
                config.bool("batchpipe.quartz.clustered", true), config.string("batchpipe.quartz.instance-id", "AUTO")));
        registry.bind("pgEventDataSource", database.notificationDataSource());
        if (config.bool("batchpipe.overnight.enabled", true)) {
            registry.bind("overnightWindows", new OvernightWindows(tasks, config.string("batchpipe.overnight.cron",
                    "0 0 2 * * ?"), config::optional));
        }
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
