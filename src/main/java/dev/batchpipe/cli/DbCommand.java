package dev.batchpipe.cli;

import dev.batchpipe.store.Database;
import java.io.PrintWriter;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;

@Command(name = "db", mixinStandardHelpOptions = true,
        description = {"Prints how to reach batchpipe's PostgreSQL: the JDBC URL and a ready psql command.",
                "The embedded database (no BATCHPIPE_DB_URL) is user postgres, database postgres, no password, "
                        + "on localhost:BATCHPIPE_EMBEDDED_PORT (54329, or a free port when that one is taken); it runs "
                        + "while a batchpipe process does."})
public final class DbCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ReadOnlyDatabase db = ReadOnlyDatabase.open()) {
            URI u = URI.create(db.url().substring("jdbc:".length()));
            String database = u.getPath() == null || u.getPath().length() < 2 ? "postgres" : u.getPath().substring(1);
            String user = db.user() == null ? "" : " -U " + db.user();
            out.printf("JDBC URL  %s%n", Database.redact(db.url()));
            out.printf("psql      psql -h %s -p %d%s %s%n", u.getHost(), u.getPort() > 0 ? u.getPort() : 5432, user,
                    database);
            if (db.embedded() == null) {
                out.println("          (password: the one in BATCHPIPE_DB_PASSWORD)");
            } else if (db.embedded().owner()) {
                out.println("No batchpipe process runs the embedded database now: it stops when this command exits. "
                        + "Start `batchpipe run` to keep it up.");
            }
            return ExitCodes.OK;
        } finally {
            out.flush();
        }
    }
}
