import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a finished realtime run's answers from batchpipe's database and prints the achieved rate over the middle
 * 80 % of them (the steady state: no initial burst, no tail) per limit period, as fractions of the RPM and TPM limits.
 * Usage: java -cp target/batchpipe.jar bench/RealtimeThroughput.java JDBC_URL RPM TPM PERIOD_MS
 */
public class RealtimeThroughput {
    public static void main(String[] args) throws Exception {
        long rpm = Long.parseLong(args[1]);
        long tpm = Long.parseLong(args[2]);
        double periodMs = Double.parseDouble(args[3]);
        List<long[]> answers = new ArrayList<>();
        // the embedded database of the bench: user postgres, no password
        try (Connection c = DriverManager.getConnection(args[0], "postgres", "");
             ResultSet rs = c.createStatement().executeQuery("""
                     SELECT (extract(epoch FROM received_at) * 1000)::bigint,
                            coalesce((response->'usage'->>'prompt_tokens')::bigint, 0)
                          + coalesce((response->'usage'->>'completion_tokens')::bigint, 0)
                     FROM realtime_answers ORDER BY received_at""")) {
            while (rs.next()) {
                answers.add(new long[] {rs.getLong(1), rs.getLong(2)});
            }
        }
        int from = answers.size() / 10;
        int to = answers.size() - answers.size() / 10 - 1;
        double periods = (answers.get(to)[0] - answers.get(from)[0]) / periodMs;
        long tokens = 0;
        for (int i = from + 1; i <= to; i++) {
            tokens += answers.get(i)[1];
        }
        double requestsPerPeriod = (to - from) / periods;
        double tokensPerPeriod = tokens / periods;
        System.out.printf("%d\t%.0f\t%s\t%.0f\t%s%n", answers.size(), requestsPerPeriod,
                rpm > 0 ? String.format("%.3f", requestsPerPeriod / rpm) : "-", tokensPerPeriod,
                tpm > 0 ? String.format("%.3f", tokensPerPeriod / tpm) : "-");
    }
}
