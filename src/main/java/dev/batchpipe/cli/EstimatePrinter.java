package dev.batchpipe.cli;

import dev.batchpipe.api.TaskEstimate;
import java.io.PrintWriter;
import java.math.RoundingMode;
import java.time.Duration;

/** How `estimate` and `process --dry-run / --max-cost` print an estimate. */
final class EstimatePrinter {

    private EstimatePrinter() {
    }

    static void print(PrintWriter out, TaskEstimate.Estimate e) {
        out.printf("Estimate for %s: %d item(s) (%d line(s) rejected), %d request(s), %d input + %d output tokens.%n",
                e.task(), e.items(), e.rejectedLines(), e.requests(), e.inputTokens(), e.outputTokens());
        for (TaskEstimate.Group g : e.groups()) {
            out.printf("  %-10s %s %s: %d request(s) in %d batch(es), %d wave(s)%s, $%s (realtime $%s)%s, about %s%n",
                    g.template(), g.provider(), g.model(), g.requests(), g.batches(), g.waves(),
                    g.enqueuedTokenQuota() > 0 ? " under the " + g.enqueuedTokenQuota() + "-token quota" : "",
                    g.costUsd().setScale(4, RoundingMode.HALF_UP), g.realtimeCostUsd().setScale(4, RoundingMode.HALF_UP),
                    g.priced() ? "" : " (no price for this model)", duration(g.makespanSeconds())
                            + (g.makespanBasis().equals("history") ? "" : " (the provider's 24 h window: no history)"));
        }
        out.printf("Cost at the batch price: $%s; at the realtime price: $%s; saved: $%s. Expected makespan: %s.%n",
                e.costUsd().setScale(4, RoundingMode.HALF_UP), e.realtimeCostUsd().setScale(4, RoundingMode.HALF_UP),
                e.savingsUsd().setScale(4, RoundingMode.HALF_UP), duration(e.expectedMakespanSeconds()));
        out.flush();
    }

    private static String duration(long seconds) {
        Duration d = Duration.ofSeconds(seconds);
        return d.toHours() > 0 ? d.toHours() + " h " + d.toMinutesPart() + " min"
                : d.toMinutes() > 0 ? d.toMinutes() + " min " + d.toSecondsPart() + " s" : seconds + " s";
    }
}
