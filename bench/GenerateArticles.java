import java.util.Random;

/**
 * Prints N synthetic news articles as JSON Lines (deterministic: seed 42), each with 1-4 paragraphs of filler plus
 * an optional extra number of them (second argument) for longer articles. Run with the JDK's source launcher:
 * {@code java bench/GenerateArticles.java 10000 > articles.jsonl}
 */
public class GenerateArticles {

    private static final String[] COMPANIES = {"Garanti BBVA", "Turkcell", "Aselsan", "Koç Holding", "Turkish Airlines",
            "Ford Otosan", "Siemens", "Deutsche Bank", "Shell", "Equinor", "Airbus", "Arçelik"};
    private static final String[] OPENINGS = {
            "%s reported quarterly revenue above analyst estimates on Tuesday, lifting its shares in Istanbul trading.",
            "Regulators opened an investigation into %s over pricing practices, the company said in a filing.",
            "%s announced a new investment programme worth several billion lira over the next five years.",
            "Shares of %s fell after the central bank kept its policy rate unchanged, citing sticky services inflation.",
            "A local football club celebrated a derby win as %s, the club's sponsor, promised a stadium upgrade."};
    private static final String FILLER = " Analysts said the outlook for the sector depends on inflation, the lira and"
            + " energy prices; several fund managers told reporters they expect volatility to continue into next year.";

    public static void main(String[] args) {
        int n = Integer.parseInt(args.length > 0 ? args[0] : "10000");
        int extra = Integer.parseInt(args.length > 1 ? args[1] : "0");
        Random random = new Random(42);
        StringBuilder sb = new StringBuilder(1024);
        for (int i = 1; i <= n; i++) {
            String company = COMPANIES[random.nextInt(COMPANIES.length)];
            String text = String.format(OPENINGS[random.nextInt(OPENINGS.length)], company)
                    + FILLER.repeat(1 + extra + random.nextInt(4));
            sb.setLength(0);
            sb.append("{\"id\":\"bench-").append(i).append("\",\"title\":\"").append(company)
                    .append(" in the news\",\"contents\":\"").append(text).append("\"}");
            System.out.println(sb);
        }
    }
}
