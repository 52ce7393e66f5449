package dev.batchpipe.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The dashboard's files, read from the jar: {@code /web/...} from {@code src/main/resources/web}, {@code /webjars/...}
 * from the webjars on the class path. Only those two folders and only the types listed are served; any other path
 * (a {@code ..} among them) is a 404.
 */
public final class WebAssets {

    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml",
            "png", "image/png");

    /** A file's bytes and Content-Type. */
    public record Asset(byte[] body, String contentType) {
    }

    /** The asset at a request path (a query is ignored). */
    public Asset load(String uri) throws IOException {
        String path = uri == null ? "" : uri.split("\\?", 2)[0];
        String resource = path.startsWith("/web/") ? path.substring(1)
                : path.startsWith("/webjars/") ? "META-INF/resources" + path : null;
        String extension = path.substring(path.lastIndexOf('.') + 1);
        if (resource == null || path.contains("..") || path.contains("//") || !TYPES.containsKey(extension)) {
            throw new ApiProblem(404, "no such page");
        }
        try (InputStream in = WebAssets.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new ApiProblem(404, "no such page");
            }
            return new Asset(in.readAllBytes(), TYPES.get(extension));
        }
    }
}
