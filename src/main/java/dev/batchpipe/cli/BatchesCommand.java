package dev.batchpipe.cli;

import dev.batchpipe.api.ApiReads;
import dev.batchpipe.store.JobReports;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "batches", mixinStandardHelpOptions = true,
        description = "Lists provider batches, newest first, 50 unless --limit (at most 500): state, provider and model, "
                + "requests, done and failed, the jobs they carry. The same list as GET /api/batches.")
public final class BatchesCommand extends ReadOnlyCommand {

    @Option(names = "--job", description = "only batches with requests of this job")
    Long job;

    @Option(names = "--state", description = "only batches in this state (packed, uploaded, creating, submitted, "
            + "finished, ingested, abandoned)")
    String state;

    @Option(names = "--provider", description = "only batches of this provider")
    String provider;

    @Mixin
    LimitOption limit;

    @Override
    void check() {
        limit.check();
    }

    @Override
    int read(ReadOnlyDatabase db, PrintWriter out) {
        List<ApiReads.Batch> batches = !db.hasSchema() ? List.of()
                : new ApiReads(db.jdbi(), new JobReports(db.connection()), db.deadLetters(), db.prices())
                        .batches(state, provider, job == null ? null : job.toString(),
                                Integer.toString(limit.orElse(50)), null).items();
        out.printf("%-6s %-10s %-18s %-22s %8s %6s %6s  %s%n", "BATCH", "STATE", "PROVIDER", "MODEL", "REQUESTS",
                "DONE", "FAILED", "JOBS");
        for (ApiReads.Batch b : batches) {
            out.printf("%-6d %-10s %-18s %-22s %8d %6d %6d  %s%s%n", b.id(), b.state(), b.provider(), b.model(),
                    b.requests(), b.completed(), b.failed(), b.jobs(),
                    b.cancelRequestedAt() != null ? "  (cancel requested)" : "");
        }
        if (batches.isEmpty()) {
            out.println("(no batches)");
        }
        return ExitCodes.OK;
    }
}
