package dev.batchpipe.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.batchpipe.intake.FileIntake;
import dev.batchpipe.intake.IntakeResult;
import dev.batchpipe.intake.JobOptions;
import dev.batchpipe.support.PipelineTest;
import dev.batchpipe.support.TestImages;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped fashion-images task end to end: a file of posts whose images are good and bad (missing, a directory,
 * a symlink out of the folder, a path climbing out, truncated, not an image, too large, a data: URI declaring the
 * wrong type, a URL answering 404) goes through each provider's batch protocol, and exactly the good images get
 * their row while every bad one is reported with its line, field and reason. The sandbox decodes every image part and
 * refuses one whose bytes are not its declared type, so a broken encoder fails here.
 */
class FashionImagesTest extends PipelineTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HttpServer images;

    @Override
    protected Map<String, String> settings() {
        Map<String, String> s = new java.util.HashMap<>(super.settings());
        // the fixture image server is on loopback, which URL intake refuses unless allowed
        s.put("batchpipe.fetch.allow-addresses", "127.0.0.1/32");
        s.put("batchpipe.fetch.host-delay", "10");
        return s;
    }

    @BeforeEach
    void serveImages() throws IOException {
        byte[] png = TestImages.image("png", 50, 70, 7);
        images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        images.createContext("/", exchange -> {
            boolean found = exchange.getRequestURI().getPath().equals("/shop/look.png");
            exchange.getResponseHeaders().add("Content-Type", found ? "image/png" : "text/plain");
            byte[] body = found ? png : "no such image".getBytes();
            exchange.sendResponseHeaders(found ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        images.start();
    }

    @AfterEach
    void stopImages() {
        images.stop(0);
    }

    private String imageUrl(String path) {
        return "http://127.0.0.1:" + images.getAddress().getPort() + path;
    }

    /** The posts and their images in {@code folder}: the samples' images, and one of each kind of bad image. */
    private String posts(Path folder, String prefix) throws IOException {
        Path dir = Files.createDirectories(folder.resolve("images"));
        try (Stream<Path> samples = Files.list(Path.of("samples/images"))) {
            for (Path p : samples.toList()) {
                Files.copy(p, dir.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        byte[] png = Files.readAllBytes(dir.resolve("p1-front.png"));
        Files.write(dir.resolve("cut.png"), TestImages.truncated(png, png.length - 20));
        Files.writeString(dir.resolve("notes.png"), "a text file with an image's name");
        Files.createDirectories(dir.resolve("folder.png"));
        Files.write(folder.getParent().resolve("outside.png"), png);
        Files.deleteIfExists(dir.resolve("out.png"));
        Files.createSymbolicLink(dir.resolve("out.png"), folder.getParent().resolve("outside.png"));
        try (RandomAccessFile huge = new RandomAccessFile(dir.resolve("huge.png").toFile(), "rw")) {
            huge.write(png);
            huge.setLength(21L << 20);
        }
        String dataUri = "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(
                Files.readAllBytes(dir.resolve("p2-dress.jpg")));
        String misdeclared = "data:image/png;base64," + Base64.getEncoder().encodeToString(
                Files.readAllBytes(dir.resolve("p4-skirt.jpg")));
        return String.join("\n",
                "post_id,caption,images",
                prefix + "p1,\"Red tee, front and back\",images/p1-front.png images/p1-back.png",
                prefix + "p2,Summer dress in teal,images/p2-dress.jpg images/missing.png",
                prefix + "p3,Bad paths,images/folder.png images/out.png ../outside.png",
                prefix + "p4,Bad files,images/cut.png images/notes.png images/huge.png",
                prefix + "p5,From data URIs,\"" + dataUri + " " + misdeclared + "\"",
                prefix + "p6,From the shop," + imageUrl("/shop/look.png") + " " + imageUrl("/shop/gone.png"),
                "");
    }

    private IntakeResult takeIn(String name, String content, JobOptions options) throws IOException {
        Path file = work.resolve("files").resolve(name);
        Files.writeString(file, content);
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        return intake.accept(file, options);
    }

    @ParameterizedTest
    @ValueSource(strings = {"openai", "anthropic", "gemini"})
    void exactlyTheGoodImagesGetARowAndEveryBadOneIsReported(String provider) throws Exception {
        String prefix = provider + "-";
        Path folder = Files.createDirectories(work.resolve("files"));
        IntakeResult intake = takeIn(provider + "-posts.csv", posts(folder, prefix),
                JobOptions.file("fashion-images").withOverrides(provider, null));
        template.sendBody("direct:pack", null);
        awaitFinished(intake.jobId());

        assertThat(status(intake.jobId())).isEqualTo("succeeded");
        List<String> rows = db.withHandle(h -> h.createQuery("SELECT post_id || ' ' || image FROM "
                + "fashion_image_analyses WHERE post_id LIKE :p ORDER BY 1").bind("p", prefix + "%").mapTo(String.class).list());
        assertThat(rows).containsExactly(
                        prefix + "p1 images/p1-back.png",
                        prefix + "p1 images/p1-front.png",
                        prefix + "p2 images/p2-dress.jpg",
                        prefix + "p5 " + "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(
                                Files.readAllBytes(folder.resolve("images/p2-dress.jpg"))),
                        prefix + "p6 " + imageUrl("/shop/look.png"));
        assertThat(count("SELECT count(*) FROM fashion_image_analyses WHERE post_id LIKE ? AND (garment_type = '' "
                + "OR cardinality(colours) = 0 OR cardinality(style_tags) = 0 OR description = '')", prefix + "%")).isZero();
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND state <> 'succeeded'", intake.jobId()))
                .isZero();

        Map<String, String> reported = new TreeMap<>();
        for (String line : Files.readAllLines(intake.errorsFile())) {
            JsonNode e = JSON.readTree(line);
            assertThat(e.path("file").asText()).isEqualTo(provider + "-posts.csv");
            reported.put(e.path("line").asInt() + " " + e.path("field").asText(), e.path("reason").asText());
        }
        assertThat(reported).containsOnlyKeys("3 images[1]", "4 images[0]", "4 images[1]", "4 images[2]",
                "5 images[0]", "5 images[1]", "5 images[2]", "6 images[1]", "7 images[1]");
        assertThat(reported.get("3 images[1]")).startsWith("no such file");
        assertThat(reported.get("4 images[0]")).startsWith("a directory, not an image");
        assertThat(reported.get("4 images[1]")).startsWith("a symlink leading out of the input file's folder");
        assertThat(reported.get("4 images[2]")).startsWith("the path climbs out of the input file's folder");
        assertThat(reported.get("5 images[0]")).startsWith("truncated PNG");
        assertThat(reported.get("5 images[1]")).startsWith("not an image");
        assertThat(reported.get("5 images[2]")).startsWith("larger than the provider's limit");
        assertThat(reported.get("6 images[1]")).startsWith("the data: URI says image/png but its bytes are image/jpeg");
        assertThat(reported.get("7 images[1]")).startsWith("HTTP 404");
    }

    @Test
    void realtimeModeWritesTheSameRowsAsBatchMode() throws Exception {
        String posts = Files.readString(Path.of("samples/posts.csv"));
        Path folder = Files.createDirectories(work.resolve("files"));
        posts(folder, "unused-");
        IntakeResult batch = takeIn("posts.csv", posts, JobOptions.file("fashion-images"));
        template.sendBody("direct:pack", null);
        awaitFinished(batch.jobId());
        Map<String, String> batchRows = rows("");
        assertThat(batchRows).hasSize(9);

        // the same posts under other ids: new items, so the row cache does not answer them
        IntakeResult realtime = takeIn("rt-posts.csv", posts.replaceAll("(?m)^p(\\d)", "rt-p$1"),
                JobOptions.file("fashion-images").withMode("realtime"));
        awaitFinished(realtime.jobId());
        assertThat(count("SELECT count(*) FROM requests r JOIN request_submissions s ON s.request_id = r.id "
                + "WHERE r.job_id = ? AND s.batch_id IS NULL", realtime.jobId())).isEqualTo(9);
        assertThat(rows("rt-")).isEqualTo(batchRows);
        assertThat(text("SELECT images || ' ' || array_to_string(garment_types, ',') FROM fashion_post_analyses "
                + "WHERE post_id = 'p3'")).startsWith("3 ");
    }

    /** The rows of posts {@code prefix}p1, p2, …: their analysis by post (without the prefix) and image. */
    private Map<String, String> rows(String prefix) {
        Map<String, String> rows = new TreeMap<>();
        db.useHandle(h -> h.createQuery("SELECT substr(post_id, length(:prefix) + 1) || ' ' || image, "
                        + "garment_type || '|' || array_to_string(colours, ',') || '|' || array_to_string(style_tags, ',') "
                        + "|| '|' || description FROM fashion_image_analyses WHERE post_id ~ ('^' || :prefix || 'p[0-9]+$')")
                .bind("prefix", prefix)
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getString(2))).forEach(e -> rows.put(e.getKey(),
                        e.getValue())));
        return rows;
    }
}
