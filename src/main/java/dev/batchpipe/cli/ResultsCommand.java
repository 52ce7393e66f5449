package dev.batchpipe.cli;

import dev.batchpipe.api.ResultsExport;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "results", mixinStandardHelpOptions = true,
        description = {"Writes the rows JOB wrote into its task's tables, each with its lineage (request, item, batch), "
                + "as JSON Lines (default), CSV (one table: its columns then lineage_* columns) or one JSON array.",
                "The same export as GET /api/jobs/{id}/results?format=..."})
public final class ResultsCommand extends ReadOnlyCommand {

    @Parameters(paramLabel = "JOB", description = "a job id")
    long job;

    @Option(names = "--format", defaultValue = "jsonl", description = "jsonl, csv or json (default ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--table", description = "only this table of the task (CSV: default the task's first)")
    String table;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write to FILE instead of the console")
    Path output;

    @Override
    void check() {
        ResultsExport.format(format);
    }

    @Override
    int read(ReadOnlyDatabase db, PrintWriter out) throws Exception {
        if (!db.hasSchema()) {
            return refuse("no job " + job);
        }
        ResultsExport export = new ResultsExport(db.jdbi(), db.tasks(), Path.of(db.config().required("batchpipe.data-dir")));
        if (output == null) {
            out.flush();
            export.write(job, ResultsExport.format(format), table, System.out);
            System.out.flush();
            return ExitCodes.OK;
        }
        long rows;
        try (OutputStream file = Files.newOutputStream(output)) {
            rows = export.write(job, ResultsExport.format(format), table, file);
        }
        out.printf("%d row(s) of job %d written to %s%n", rows, job, output);
        return ExitCodes.OK;
    }
}
