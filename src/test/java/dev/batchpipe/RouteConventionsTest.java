package dev.batchpipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The conventions that keep routes/ readable as the pipeline's story: every top-level element has an id and a
 * comment above it saying why it exists, and endpoint options go in a {@code parameters:} map, not a query string.
 */
class RouteConventionsTest {

    private static final Path ROUTES = Path.of("routes");
    private static final Pattern ELEMENT = Pattern.compile("^- (route|routeTemplate|routeConfiguration|rest|beans):\\s*$");
    private static final Pattern ID = Pattern.compile("^ {2,6}id: *\\S+");
    private static final Pattern URI_WITH_QUERY = Pattern.compile("^\\s*(uri|to|toD|wireTap): *\"?[a-z][a-z0-9+-]*:[^\"#]*\\?");

    @Test
    void everyRouteHasAnIdAndACommentAbove() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path file : routeFiles()) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                Matcher element = ELEMENT.matcher(lines.get(i));
                if (!element.matches() || element.group(1).equals("beans")) {
                    continue;
                }
                String where = file.getFileName() + ":" + (i + 1) + " (" + element.group(1) + ")";
                if (i == 0 || !lines.get(i - 1).startsWith("#")) {
                    problems.add(where + " has no comment above it");
                }
                if (!element.group(1).equals("rest") && !hasId(lines, i)) {
                    problems.add(where + " has no id");
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void endpointOptionsAreAParametersMap() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path file : routeFiles()) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (URI_WITH_QUERY.matcher(lines.get(i)).find()) {
                    problems.add(file.getFileName() + ":" + (i + 1) + ": " + lines.get(i).trim());
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    /** The element's own id: the first {@code id:} line indented under it, before the next top-level element. */
    private static boolean hasId(List<String> lines, int start) {
        for (int j = start + 1; j < lines.size() && !lines.get(j).startsWith("- "); j++) {
            if (ID.matcher(lines.get(j)).find()) {
                return true;
            }
        }
        return false;
    }

    private static List<Path> routeFiles() throws IOException {
        try (Stream<Path> files = Files.list(ROUTES)) {
            List<Path> yaml = files.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList();
            assertThat(yaml).isNotEmpty();
            return yaml;
        }
    }
}
