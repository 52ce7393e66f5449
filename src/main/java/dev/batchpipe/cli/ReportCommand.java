package dev.batchpipe.cli;

import dev.batchpipe.api.ApiJson;
import dev.batchpipe.api.CostReport;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Items, requests, tokens, cost, the realtime-price equivalent, savings, success rate and dead "
                + "letters per day, task, provider or model, as a Markdown table (default) or JSON. The same report as "
                + "GET /api/reports.")
public final class ReportCommand extends ReadOnlyCommand {

    @Option(names = "--group", defaultValue = "day", description = "day, task, provider or model (default ${DEFAULT-VALUE})")
    String group;

    @Option(names = "--since", description = "requests created at or after this date (2026-11-01) or UTC time")
    String since;

    @Option(names = "--until", description = "requests created before this date or UTC time")
    String until;

    @Option(names = "--format", defaultValue = "md", description = "md or json (default ${DEFAULT-VALUE})")
    String format;

    @Override
    void check() {
        CostReport.checkFormat(format);
        CostReport.group(group);
    }

    @Override
    int read(ReadOnlyDatabase db, PrintWriter out) throws Exception {
        if (!db.hasSchema()) {
            out.println("Nothing to report: no job has run on this database.");
            return ExitCodes.OK;
        }
        CostReport.Report report = new CostReport(db.jdbi(), db.prices()).report(group, since, until);
        out.print(format.equals("json") ? ApiJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report)
                + System.lineSeparator() : CostReport.markdown(report));
        return ExitCodes.OK;
    }
}
