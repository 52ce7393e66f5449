package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Starts the batchpipe service: watches the inbox, packs and submits batches on a timer, polls "
                + "them and writes the results, and serves HTTP (health at /observe/health).",
                "Stops gracefully on Ctrl-C or SIGTERM."})
public final class RunCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        return new BatchpipeService(BatchpipeService.Mode.SERVICE, Map.of()).runUntilStopped();
    }
}
