package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.api.TaskEstimate;
import dev.batchpipe.task.TaskRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "estimate", mixinStandardHelpOptions = true,
        description = {"What processing FILE as a job of TASK would cost and take, before anything is sent: requests, "
                + "tokens (counted as packing counts them), batches, waves under the enqueued-token quota, the cost at "
                + "the batch and the realtime price, and the expected makespan. `process --dry-run` is the same.",
                "Nothing is stored or sent."})
public final class EstimateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "the input file")
    Path file;

    @Option(names = "--task", required = true, description = "the task, e.g. news-classification")
    String task;

    @Option(names = "--provider", description = "estimate for this provider instead of the task's")
    String provider;

    @Option(names = "--model", description = "estimate for this model instead of the task's")
    String model;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            spec.commandLine().getErr().println("batchpipe: cannot read " + file);
            return ExitCodes.STARTUP;
        }
        TaskNames.require(task);
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, BatchpipeService.NO_ROUTES)) {
            service.start();
            EstimatePrinter.print(out, estimate(service, file, task, provider, model));
            return ExitCodes.OK;
        } finally {
            out.flush();
        }
    }

    static TaskEstimate.Estimate estimate(BatchpipeService service, Path file, String task, String provider,
                                          String model) throws java.io.IOException {
        if (provider != null) {
            service.bean("providers", dev.batchpipe.provider.Providers.class).get(provider);
        }
        return service.bean("taskEstimate", TaskEstimate.class).ofFile(service.bean("tasks", TaskRegistry.class).get(task),
                provider, model, file);
    }
}
