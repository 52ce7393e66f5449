package dev.batchpipe.api;

import java.io.InputStream;
import java.util.Map;
import org.webjars.WebJarVersionLocator;

/**
 * The files of the Swagger UI page at /api/docs: our index page, and the swagger-ui webjar's scripts and styles from
 * the jar (no build step, no network). Only the webjar's own files are served, by name.
 */
public final class SwaggerUi {

    private static final String WEBJAR = "swagger-ui";
    private static final Map<String, String> TYPES = Map.of("css", "text/css", "js", "text/javascript",
            "png", "image/png", "html", "text/html; charset=utf-8");

    /** A file to answer: its content type and bytes. */
    public record File(String contentType, InputStream content) {
    }

    private final WebJarVersionLocator locator = new WebJarVersionLocator();

    /** {@code path}: the request path, /api/docs or /api/docs/ for the page, /api/docs/NAME for a webjar file. */
    public File file(String path) {
        String name = path == null ? "" : path.replaceFirst("^/api/docs/?", "");
        if (name.isEmpty() || name.equals("index.html")) {
            return new File(TYPES.get("html"), resource("api-docs/index.html"));
        }
        String full = name.matches("[A-Za-z0-9._-]+") ? locator.fullPath(WEBJAR, name) : null;
        InputStream content = full == null ? null : resource(full);
        if (content == null) {
            throw new ApiProblem(404, "no file " + name + " in the API docs");
        }
        return new File(TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1), "application/octet-stream"),
                content);
    }

    private static InputStream resource(String name) {
        return SwaggerUi.class.getClassLoader().getResourceAsStream(name);
    }
}
