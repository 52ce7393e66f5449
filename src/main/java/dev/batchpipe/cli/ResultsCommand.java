package dev.batchpipe.cli;

import dev.batchpipe.BatchpipeService;
import dev.batchpipe.api.ApiProblem;
import dev.batchpipe.api.ResultsExport;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "results", mixinStandardHelpOptions = true,
        description = {"Writes the rows JOB wrote into its task's tables, each with its lineage (request, item, batch), "
                + "as JSON Lines (default), CSV (one table: its columns then lineage_* columns) or one JSON array.",
                "The same export as GET /api/jobs/{id}/results?format=..."})
public final class ResultsCommand implements Callable<Integer> {

    @Parameters(paramLabel = "JOB", description = "a job id")
    long job;

    @Option(names = "--format", defaultValue = "jsonl", description = "jsonl, csv or json (default ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--table", description = "only this table of the task (CSV: default the task's first)")
    String table;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write to FILE instead of the console")
    Path output;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try (BatchpipeService service = new BatchpipeService(BatchpipeService.Mode.COMMAND, BatchpipeService.NO_ROUTES)) {
            service.start();
            ResultsExport export = service.bean("resultsExport", ResultsExport.class);
            ResultsExport.Format f = ResultsExport.format(format);
            long rows;
            if (output == null) {
                spec.commandLine().getOut().flush();
                rows = export.write(job, f, table, System.out);
                System.out.flush();
            } else {
                try (OutputStream out = Files.newOutputStream(output)) {
                    rows = export.write(job, f, table, out);
                }
                spec.commandLine().getOut().printf("%d row(s) of job %d written to %s%n", rows, job, output);
            }
            return ExitCodes.OK;
        } catch (ApiProblem e) {
            err.println("batchpipe: " + e.getMessage());
            return ExitCodes.STARTUP;
        } finally {
            spec.commandLine().getOut().flush();
        }
    }
}
