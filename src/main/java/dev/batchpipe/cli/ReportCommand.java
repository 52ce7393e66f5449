package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.api.ApiJson;
import dev.batchpipe.api.ApiProblem;
import dev.batchpipe.api.CostReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Items, requests, tokens, cost, the realtime-price equivalent, savings, success rate and dead "
                + "letters per day, task, provider or model, as a Markdown table (default) or JSON. The same report as "
                + "GET /api/reports.")
public final class ReportCommand implements Callable<Integer> {

    @Option(names = "--group", defaultValue = "day", description = "day, task, provider or model (default ${DEFAULT-VALUE})")
    String group;

    @Option(names = "--since", description = "requests created at or after this date (2026-11-01) or UTC time")
    String since;

    @Option(names = "--until", description = "requests created before this date or UTC time")
    String until;

    @Option(names = "--format", defaultValue = "md", description = "md or json (default ${DEFAULT-VALUE})")
    String format;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, BatchpipeService.NO_ROUTES)) {
            CostReport.checkFormat(format);
            service.start();
            CostReport.Report report = service.bean("costReport", CostReport.class).report(group, since, until);
            out.print(format.equals("json") ? ApiJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report)
                    + System.lineSeparator() : CostReport.markdown(report));
            return ExitCodes.OK;
        } catch (ApiProblem e) {
            spec.commandLine().getErr().println("batchpipe: " + e.getMessage());
            return ExitCodes.STARTUP;
        } finally {
            out.flush();
        }
    }
}
