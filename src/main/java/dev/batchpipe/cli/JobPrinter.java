package dev.batchpipe.cli;

import dev.batchpipe.cost.PriceTable;
import dev.batchpipe.store.JobReports;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/** How jobs read on a terminal; shared by {@code status}, {@code wait} and {@code process --wait}. */
final class JobPrinter {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());

    private JobPrinter() {
    }

    static void table(PrintWriter out, List<JobReports.JobSummary> jobs) {
        if (jobs.isEmpty()) {
            out.println("No jobs yet. Drop a file in the inbox or run: batchpipe process FILE --task TASK");
            return;
        }
        out.printf("%6s  %-22s  %-10s  %-16s  %8s  %6s  %7s  %10s  %s%n", "JOB", "TASK", "STATUS", "CREATED",
                "DONE", "DEAD", "BATCHES", "COST", "SOURCE");
        for (JobReports.JobSummary j : jobs) {
            out.printf("%6d  %-22s  %-10s  %-16s  %8s  %6d  %7d  %10s  %s%n", j.id(), j.task(), j.status(),
                    TIME.format(j.createdAt()), j.succeeded() + "/" + j.requests(), j.dead(), j.batches(), usd(j),
                    j.source());
        }
    }

    static void detail(PrintWriter out, JobReports reports, PriceTable prices, JobReports.JobSummary j) {
        out.printf("Job %d  %s  %s%n", j.id(), j.task(), j.status() + (j.error() == null ? "" : ": " + j.error()));
        out.printf("  source     %s%n", j.source());
        out.printf("  items      %d taken in, %d already known, %d line(s) rejected%n", j.itemsAccepted(),
                j.itemsDuplicate(), j.linesRejected());
        out.printf("  requests   %d succeeded, %d dead-lettered, %d in batches, %d waiting (of %d)%n", j.succeeded(),
                j.dead(), j.inBatches(), j.waiting(), j.requests());
        JobReports.AnswerSummary a = reports.answerSummary(j);
        out.printf("  summary    %d in all: %d cache hit(s), %d newly answered, %d failed; success rate %.1f%%%n",
                a.total(), a.cacheHits(), a.newlyAnswered(), a.failed(), a.successRate() * 100);
        out.printf("  mode       %s%s%n", switch (j.mode()) {
            case "realtime" -> "realtime (synchronous calls at the rate limits)";
            case "auto" -> "auto (chosen once all items are in)";
            default -> "batch (the providers' batch APIs)";
        }, j.modeReason() == null ? "" : ", chosen by mode auto: " + j.modeReason());
        if (j.deadlineAt() != null) {
            out.printf("  deadline   %s%n", TIME.format(j.deadlineAt()));
        }
        out.printf("  tokens     %,d in, %,d out   cost %s (%s price), %s%n", j.inputTokens(), j.outputTokens(), usd(j),
                j.mode().equals("realtime") ? "realtime" : "batch", j.mode().equals("realtime")
                        ? String.format("$%.4f as a batch", prices.batchEquivalent(j.costUsd()))
                        : String.format("saved $%.4f against realtime",
                                prices.realtimeEquivalent(j.costUsd()).subtract(j.costUsd())));
        out.printf("  created    %s%s%n", TIME.format(j.createdAt()), j.finishedAt() == null ? ""
                : ", finished after " + human(Duration.between(j.createdAt(), j.finishedAt())));
        List<JobReports.OutputRows> rows = reports.outputRows(j.id());
        out.printf("  rows       %s%n", rows.isEmpty() ? "none yet"
                : String.join(", ", rows.stream().map(r -> r.rows() + " in " + r.table()).toList()));
        if (j.syntheticAnswers() > 0) {
            out.printf("  synthetic answers: %d (made up by the built-in sandbox; batchpipe purge-synthetic removes them)%n",
                    j.syntheticAnswers());
        }
        for (JobReports.Hold hold : reports.holds(j.id())) {
            out.printf("  held       %d request(s) for %s since %s: %s%n", hold.requests(), hold.provider(),
                    TIME.format(hold.since()), hold.reason());
        }
        batches(out, reports.batches(j.id()));
        problems(out, "rejected lines", reports.inputErrors(j.id(), 10), j.linesRejected());
        problems(out, "dead letters", reports.deadLetters(j.id(), 10), j.dead());
    }

    /** The batch lines, in columns as wide as their widest value (model names and batch ids vary a lot). */
    private static void batches(PrintWriter out, List<JobReports.BatchSummary> batches) {
        if (batches.isEmpty()) {
            return;
        }
        List<String> at = batches.stream().map(b -> b.providerBatchId() == null ? "-"
                : b.providerBatchId() + (b.providerStatus() == null ? "" : " (" + b.providerStatus() + ")")).toList();
        String row = "    %5d  %-" + width(batches.stream().map(JobReports.BatchSummary::provider).toList())
                + "s  %-" + width(batches.stream().map(JobReports.BatchSummary::model).toList())
                + "s  %-" + width(batches.stream().map(JobReports.BatchSummary::state).toList())
                + "s  %-" + width(at) + "s  %6d requests, %d done, %d failed, synthetic %s%s%n";
        out.println("  batches");
        for (int i = 0; i < batches.size(); i++) {
            JobReports.BatchSummary b = batches.get(i);
            out.printf(row, b.id(), b.provider(), b.model(), b.state(), at.get(i), b.requests(), b.completed(),
                    b.failed(), b.synthetic() ? "yes" : "no", b.error() == null ? "" : "  " + b.error());
        }
    }

    private static int width(List<String> values) {
        return values.stream().mapToInt(String::length).max().orElse(1);
    }

    private static void problems(PrintWriter out, String title, List<JobReports.Problem> problems, long total) {
        if (problems.isEmpty()) {
            return;
        }
        out.printf("  %s%s%n", title, total > problems.size() ? " (first " + problems.size() + " of " + total + ")" : "");
        for (JobReports.Problem p : problems) {
            out.printf("    line %d: %s%n", p.line(), p.reason());
        }
    }

    /**
     * The enqueued-token quotas batchpipe knows of: the limit (configured, or stated by the provider in a refusal),
     * how the provider counts against our estimate, and what is held for it, ours beside the provider's numbers.
     */
    static void quotas(PrintWriter out, List<JobReports.QuotaState> quotas) {
        if (quotas.isEmpty()) {
            return;
        }
        out.println("Enqueued-token quotas");
        for (JobReports.QuotaState q : quotas) {
            String limit = q.learned() != null ? String.format("limit %,d (learned from the provider's refusal at %s)",
                    q.learned(), TIME.format(q.learnedAt()))
                    : q.configured() > 0 ? String.format("limit %,d (configured)", q.configured()) : "no limit known";
            out.printf("  %s %s: %s; %,d tokens in flight%s%s%n", q.provider(), q.model(), limit, q.inFlightTokens(),
                    q.providerFactor() == null ? "" : String.format("; the provider counts %.2f× our estimate",
                            q.providerFactor()),
                    q.maxBatchTokens() == null ? "" : String.format("; batches of at most %,d tokens after refusals",
                            q.maxBatchTokens()));
            if (q.heldSince() != null) {
                out.printf("    held for quota since %s: %,d request(s), %,d tokens by our count, %,d as the provider "
                                + "counts them%s%n", TIME.format(q.heldSince()), q.heldRequests(), q.heldOurTokens(),
                        q.heldProviderTokens(), q.waitingSince() == null ? ""
                                : "; waiting for a batch in flight to finish");
            }
        }
    }

    /** Says so when no service polls this database: unfinished jobs then do not move. */
    static void polling(PrintWriter out, List<JobReports.LiveInstance> instances) {
        if (instances.isEmpty()) {
            out.println("No `batchpipe run` service is polling this database: unfinished jobs wait until one starts "
                    + "(or follow one with `batchpipe wait JOB`).");
        }
    }

    static String usd(JobReports.JobSummary j) {
        return String.format("$%.4f", j.costUsd());
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s < 60 ? s + " s" : s < 3600 ? (s / 60) + " min " + (s % 60) + " s" : (s / 3600) + " h " + (s % 3600 / 60) + " min";
    }

    static String since(Instant start) {
        return human(Duration.between(start, Instant.now()));
    }
}
