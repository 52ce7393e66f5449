package dev.batchpipe.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fixture web pages for URL intake, over real HTTP on loopback addresses (a JDK HttpServer on each, one host each): articles, a 404, a page
 * that never answers in time, a redirect loop, a PDF, a page far over any size cap, redirects anywhere. It records
 * every request (path, arrival time), the most {@code /wait/} requests it held at once, and how much of the huge page
 * it wrote.
 */
public final class PageServer implements AutoCloseable {

    /** One request as it arrived. */
    public record Hit(String host, String path, long nanos) {
    }

    /** The huge page: far over any cap a test sets, written until the client goes away. */
    public static final long HUGE_BYTES = 200L * 1024 * 1024;

    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Hit> hits = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicLong hugeWritten = new AtomicLong();

    /** The same pages on each address (127.0.0.1, 127.0.0.2, ...), counted together. */
    public static PageServer start(String... addresses) throws IOException {
        PageServer pages = new PageServer();
        for (String address : addresses) {
            HttpServer server = HttpServer.create(new InetSocketAddress(address, 0), 50);
            server.createContext("/", pages::handle);
            server.setExecutor(pages.threads);
            server.start();
            pages.servers.add(server);
        }
        return pages;
    }

    /** The URL of a page on the first address. */
    public String url(String path) {
        return url(0, path);
    }

    /** The URL of a page on the n-th address. */
    public String url(int n, String path) {
        InetSocketAddress at = servers.get(n).getAddress();
        return "http://" + at.getAddress().getHostAddress() + ":" + at.getPort() + path;
    }

    public List<Hit> hits() {
        return List.copyOf(hits);
    }

    public long hits(String path) {
        return hits.stream().filter(h -> h.path().equals(path)).count();
    }

    public int maxInFlight() {
        return maxInFlight.get();
    }

    public long hugeBytesWritten() {
        return hugeWritten.get();
    }

    /** The HTML of article {@code n}: a title, a navigation bar and a footer around two paragraphs. */
    public static String article(int n) {
        return "<!doctype html><html><head><title>Article " + n + " title</title><script>var tracking = 1;</script>"
                + "</head><body><nav>Home | Markets | Login</nav><article><h1>Headline " + n + "</h1>"
                + "<p>Istanbul bank number " + n + " raised its lending rates on Monday.</p>"
                + "<p>Shares of Garanti BBVA fell after the decision.</p></article>"
                + "<footer>Copyright the newspaper</footer></body></html>";
    }

    private void handle(HttpExchange ex) throws IOException {
        URI uri = ex.getRequestURI();
        String path = uri.getPath();
        hits.add(new Hit(ex.getRequestHeaders().getFirst("Host"), path, System.nanoTime()));
        boolean held = path.startsWith("/wait/");
        if (held) {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        }
        try (ex) {
            if (path.startsWith("/article/")) {
                send(ex, 200, "text/html; charset=utf-8", article(Integer.parseInt(path.substring(9))));
            } else if (path.startsWith("/moved/")) {
                redirect(ex, "/article/" + path.substring(7));
            } else if (path.equals("/go")) {
                redirect(ex, uri.getQuery().substring("to=".length()));
            } else if (path.equals("/loop/a")) {
                redirect(ex, "/loop/b");
            } else if (path.equals("/loop/b")) {
                redirect(ex, "/loop/a");
            } else if (path.startsWith("/hop/")) {
                int n = Integer.parseInt(path.substring(5));
                redirect(ex, n == 0 ? "/article/99" : "/hop/" + (n - 1));
            } else if (path.equals("/slow")) {
                sleep(5000);
                send(ex, 200, "text/html", article(0));
            } else if (path.startsWith("/wait/")) {
                sleep(Long.parseLong(path.substring(6)));
                send(ex, 200, "text/html", article(7));
            } else if (path.equals("/pdf")) {
                send(ex, 200, "application/pdf", "%PDF-1.4 not a web page");
            } else if (path.equals("/huge")) {
                huge(ex);
            } else {
                send(ex, 404, "text/html", "<html><body>Not found</body></html>");
            }
        } finally {
            if (held) {
                inFlight.decrementAndGet();
            }
        }
    }

    private void huge(HttpExchange ex) {
        byte[] block = ("<p>" + "filler ".repeat(1000) + "</p>\n").getBytes(StandardCharsets.UTF_8);
        try {
            ex.getResponseHeaders().set("Content-Type", "text/html");
            ex.sendResponseHeaders(200, 0); // chunked: no Content-Length to refuse it by
            OutputStream out = ex.getResponseBody();
            out.write("<html><head><title>Huge</title></head><body>".getBytes(StandardCharsets.UTF_8));
            while (hugeWritten.get() < HUGE_BYTES) {
                out.write(block);
                hugeWritten.addAndGet(block.length);
            }
        } catch (IOException e) {
            // the client hung up: what it took is counted
        }
    }

    private static void redirect(HttpExchange ex, String location) throws IOException {
        ex.getResponseHeaders().set("Location", location);
        ex.sendResponseHeaders(302, -1);
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        servers.forEach(s -> s.stop(0));
        threads.shutdownNow();
    }
}
