package dev.batchpipe.cli;

import dev.batchpipe.store.RecentAlerts;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = "Lists the alerts the service raised, newest first, 50 unless --limit (the rules are the "
                + "batchpipe.alerts.* settings).")
public final class AlertsCommand extends ReadOnlyCommand {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    @Mixin
    LimitOption limit;

    @Override
    void check() {
        limit.check();
    }

    @Override
    int read(ReadOnlyDatabase db, PrintWriter out) {
        List<RecentAlerts.AlertView> alerts = db.hasSchema() ? new RecentAlerts(db.jdbi()).page(null, limit.orElse(50)) : List.of();
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
    }
}
