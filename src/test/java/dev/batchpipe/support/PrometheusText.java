package dev.batchpipe.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format 0.0.4 (HELP and TYPE lines, samples with escaped label
 * values, NaN and ±Inf, optional timestamps). No Java library published for this build parses the format, so the
 * metrics test uses this; any line that is not valid text format fails with its number and the reason.
 */
public final class PrometheusText {

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    public record Family(String name, String type, String help, List<Sample> samples) {
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final List<String> TYPES = List.of("counter", "gauge", "summary", "histogram", "untyped");

    private PrometheusText() {
    }

    /** The families by name, in the order of the text. */
    public static Map<String, Family> parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int n = i + 1;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] parts = line.split(" ", 4);
                if (parts.length >= 3 && (parts[1].equals("HELP") || parts[1].equals("TYPE"))) {
                    String name = require(NAME, parts[2], n, "metric name");
                    Family f = families.computeIfAbsent(name, k -> new Family(k, "untyped", null, new ArrayList<>()));
                    if (parts[1].equals("TYPE")) {
                        String type = parts.length == 4 ? parts[3] : "";
                        if (!TYPES.contains(type)) {
                            throw new IllegalArgumentException("line " + n + ": unknown type '" + type + "'");
                        }
                        if (!f.samples().isEmpty()) {
                            throw new IllegalArgumentException("line " + n + ": TYPE of " + name + " after its samples");
                        }
                        families.put(name, new Family(name, type, f.help(), f.samples()));
                    } else {
                        families.put(name, new Family(name, f.type(), parts.length == 4 ? parts[3] : "", f.samples()));
                    }
                }
                continue;
            }
            Sample s = sample(line, n);
            family(families, s.name(), n).samples().add(s);
        }
        return families;
    }

    /** The family a sample belongs to: its own name, or the name without a suffix its type allows. */
    private static Family family(Map<String, Family> families, String sample, int line) {
        for (String suffix : List.of("", "_total", "_count", "_sum", "_bucket", "_created")) {
            if (sample.endsWith(suffix)) {
                Family f = families.get(sample.substring(0, sample.length() - suffix.length()));
                if (f != null) {
                    return f;
                }
            }
        }
        throw new IllegalArgumentException("line " + line + ": sample " + sample + " has no TYPE before it");
    }

    private static Sample sample(String line, int n) {
        Matcher name = NAME.matcher(line);
        if (!name.lookingAt()) {
            throw new IllegalArgumentException("line " + n + ": no metric name: " + line);
        }
        int at = name.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at++;
            while (line.charAt(at) != '}') {
                Matcher label = LABEL_NAME.matcher(line).region(at, line.length());
                if (!label.lookingAt() || line.charAt(label.end()) != '=' || line.charAt(label.end() + 1) != '"') {
                    throw new IllegalArgumentException("line " + n + ": bad label at column " + (at + 1) + ": " + line);
                }
                StringBuilder value = new StringBuilder();
                int c = label.end() + 2;
                for (; line.charAt(c) != '"'; c++) {
                    char ch = line.charAt(c);
                    if (ch == '\\') {
                        char next = line.charAt(++c);
                        value.append(switch (next) {
                            case '\\' -> '\\';
                            case '"' -> '"';
                            case 'n' -> '\n';
                            default -> throw new IllegalArgumentException("line " + n + ": bad escape \\" + next);
                        });
                    } else {
                        value.append(ch);
                    }
                }
                if (labels.put(label.group(), value.toString()) != null) {
                    throw new IllegalArgumentException("line " + n + ": label " + label.group() + " twice");
                }
                at = c + 1;
                if (line.charAt(at) == ',') {
                    at++;
                } else if (line.charAt(at) != '}') {
                    throw new IllegalArgumentException("line " + n + ": expected , or } at column " + (at + 1));
                }
            }
            at++;
        }
        String[] rest = line.substring(at).trim().split(" ");
        if (!line.substring(at).startsWith(" ") || rest.length < 1 || rest.length > 2) {
            throw new IllegalArgumentException("line " + n + ": expected a value (and a timestamp): " + line);
        }
        if (rest.length == 2) {
            Long.parseLong(rest[1]);
        }
        double value = switch (rest[0]) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(rest[0]);
        };
        return new Sample(name.group(), labels, value);
    }

    private static String require(Pattern p, String s, int line, String what) {
        if (!p.matcher(s).matches()) {
            throw new IllegalArgumentException("line " + line + ": bad " + what + " '" + s + "'");
        }
        return s;
    }
}
