package dev.batchpipe.cli;

import dev.batchpipe.store.RecentAlerts;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = "Lists the alerts the service raised, newest first (the rules are the batchpipe.alerts.* settings).")
public final class AlertsCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    @Option(names = "--limit", defaultValue = "50", description = "at most this many, at least 1 (default ${DEFAULT-VALUE})")
    int limit;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (limit < 1) {
            spec.commandLine().getErr().println("batchpipe: --limit must be at least 1");
            return ExitCodes.STARTUP;
        }
        try (ReadOnlyDatabase db = ReadOnlyDatabase.open()) {
            List<RecentAlerts.AlertView> alerts = db.hasSchema() ? new RecentAlerts(db.jdbi()).page(null, limit) : List.of();
            if (alerts.isEmpty()) {
                out.println("No alerts.");
                return ExitCodes.OK;
            }
            out.printf("%6s  %-16s  %-8s  %-14s  %-7s  %s%n", "ID", "RAISED (UTC)", "SEVERITY", "RULE", "WEBHOOK", "ALERT");
            for (RecentAlerts.AlertView a : alerts) {
                out.printf("%6d  %-16s  %-8s  %-14s  %-7s  %s%n", a.id(), TIME.format(a.createdAt()), a.severity(), a.rule(),
                        a.webhookState() == null ? "-" : a.webhookState(), a.message());
            }
            return ExitCodes.OK;
        } finally {
            out.flush();
        }
    }
}
