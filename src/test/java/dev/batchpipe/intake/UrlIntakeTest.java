package dev.batchpipe.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchpipe.support.BatchpipeProcess;
import dev.batchpipe.support.PageServer;
import dev.batchpipe.support.PipelineTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * URL lists through the real routes: pages fetched over HTTP from a local fixture server, extracted with jsoup and
 * classified into news_classifications through the sandbox; every page that cannot be fetched is reported on its line.
 * The fixture server is on loopback, so this class allows private addresses ({@link FetchGuardTest} does not).
 */
class UrlIntakeTest extends PipelineTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PageServer pages;

    @Override
    protected Map<String, String> settings() {
        return Map.of(
                "batchpipe.fetch.allow-private", "true",
                "batchpipe.fetch.concurrency", "3",
                "batchpipe.fetch.host-delay", "200",
                "batchpipe.fetch.timeout", "1s",
                "batchpipe.fetch.max-bytes", "65536",
                "batchpipe.fetch.max-redirects", "3",
                // chunks of six lines: the order of the answers within a chunk decides what is committed
                "batchpipe.intake.chunk-size", "6");
    }

    @BeforeAll
    void startPages() throws IOException {
        pages = PageServer.start("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5");
    }

    @AfterAll
    void stopPages() {
        pages.close();
    }

    @Test
    void aDroppedUrlListBecomesClassifiedRowsAndEachPageThatFailsIsReportedOnItsLine() throws Exception {
        String content = String.join("\n",
                "# this morning's links",                  // 1
                pages.url("/article/1"),                    // 2
                pages.url("/missing"),                      // 3
                "",                                         // 4
                pages.url("/slow"),                         // 5 never answers within the timeout
                pages.url("/loop/a"),                       // 6
                pages.url("/pdf"),                          // 7
                pages.url("/huge"),                         // 8 far over the size cap, no Content-Length
                pages.url("/moved/2"),                      // 9 a redirect to article 2
                "ftp://example.com/file",                   // 10
                pages.url("/hop/5"),                        // 11 six redirects, over the limit of three
                pages.url("/article/3")) + "\n";            // 12
        Path file = drop("news-classification", "morning.urls", content);

        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo("succeeded");
        List<String> ids = List.of(pages.url("/article/1"), pages.url("/moved/2"), pages.url("/article/3"));
        List<String> classified = db.withHandle(h -> h.createQuery("SELECT article_id FROM news_classifications "
                + "WHERE article_id LIKE :p").bind("p", pages.url("/") + "%").mapTo(String.class).list());
        assertThat(classified).containsExactlyInAnyOrderElementsOf(ids);
        assertExactlyOneOutcomePerItem(job, pages.url("/") + "%");

        // what the task was given: the page's title and its article's text, without navigation, scripts or footer
        JsonNode first = JSON.readTree(text("SELECT payload::text FROM items WHERE source_key = ?", ids.get(0)));
        assertThat(first.get("title").asText()).isEqualTo("Article 1 title");
        assertThat(first.get("contents").asText()).isEqualTo("Headline 1\n\nIstanbul bank number 1 raised its lending "
                + "rates on Monday.\n\nShares of Garanti BBVA fell after the decision.");
        assertThat(JSON.readTree(text("SELECT payload::text FROM items WHERE source_key = ?", ids.get(1)))
                .get("title").asText()).isEqualTo("Article 2 title");

        Map<Integer, String> reasons = errors(inbox("news-classification").resolve("done/" + job + "-morning.urls.errors.jsonl"));
        assertThat(reasons).containsOnlyKeys(3, 5, 6, 7, 8, 10, 11);
        assertThat(reasons.get(3)).isEqualTo("fetching " + pages.url("/missing") + " failed: HTTP 404 Not Found");
        assertThat(reasons.get(5)).contains("failed: timed out");
        assertThat(reasons.get(6)).contains("redirect loop: " + pages.url("/loop/a") + " → " + pages.url("/loop/b")
                + " → " + pages.url("/loop/a"));
        assertThat(reasons.get(7)).contains("not an HTML page (Content-Type application/pdf)");
        assertThat(reasons.get(8)).contains("page larger than 65536 bytes");
        assertThat(reasons.get(10)).isEqualTo("not an http(s) URL (scheme ftp)");
        assertThat(reasons.get(11)).contains("more than 3 redirects");
        assertThat(count("SELECT lines_rejected FROM jobs WHERE id = ?", job)).isEqualTo(7);
        // the huge page was cut off at the cap, not downloaded to its end
        assertThat(pages.hugeBytesWritten()).isLessThan(PageServer.HUGE_BYTES / 4);
        // each page was asked for once, the loop's pages once each per hop
        assertThat(pages.hits("/article/1")).isEqualTo(1);
        assertThat(pages.hits("/loop/b")).isEqualTo(1);
    }

    @Test
    void oneHostIsAskedAtMostOncePerHostDelayAndPagesAreFetchedInParallelUpToTheConcurrency() throws Exception {
        StringBuilder content = new StringBuilder();
        // four hosts, each holding its answer for a moment, in one chunk: three at once is the limit
        for (int host = 1; host <= 4; host++) {
            content.append(pages.url(host, "/wait/600")).append('\n');
        }
        for (int i = 1; i <= 4; i++) {
            content.append(pages.url("/article/" + (100 + i))).append('\n');
        }
        long job = fetch("polite.txt", content.toString());
        awaitFinished(job);

        List<Long> arrivals = pages.hits().stream().filter(h -> h.path().matches("/article/10[1-4]"))
                .map(PageServer.Hit::nanos).sorted().toList();
        assertThat(arrivals).hasSize(4);
        for (int i = 1; i < arrivals.size(); i++) {
            assertThat(Duration.ofNanos(arrivals.get(i) - arrivals.get(i - 1))).isGreaterThan(Duration.ofMillis(150));
        }
        assertThat(pages.maxInFlight()).isEqualTo(3);
        assertThat(count("SELECT count(*) FROM news_classifications WHERE article_id LIKE ?", "%/wait/600")).isEqualTo(4);
    }

    @Test
    void aProcessKilledMidListDoesNotFetchAgainThePagesItHadTakenIn() throws Exception {
        StringBuilder content = new StringBuilder("# five articles, taken in two lines a chunk\n");
        for (int i = 201; i <= 205; i++) {
            content.append(pages.url("/article/" + i)).append('\n');
        }
        Path file = Files.createDirectories(work.resolve("files")).resolve("killed.txt");
        Files.writeString(file, content);
        Map<String, String> env = Map.of(
                "BATCHPIPE_DB_URL", dbUrl,
                "BATCHPIPE_SANDBOX", "true",
                "BATCHPIPE_DATA_DIR", work.resolve("victim").toString(),
                "BATCHPIPE_FETCH_ALLOW_PRIVATE", "true",
                "BATCHPIPE_FETCH_HOST_DELAY_MS", "10",
                "BATCHPIPE_INTAKE_CHUNK_SIZE", "2",
                "BATCHPIPE_CRASH_AT", "intake-chunk:1");
        try (BatchpipeProcess victim = BatchpipeProcess.start(work, env, "process", file.toString(),
                "--task", "news-classification", "--fetch")) {
            assertThat(victim.waitFor(Duration.ofSeconds(90))).as(victim.output()).isEqualTo(137);
        }
        long job = count("SELECT id FROM jobs WHERE source = ?", file.toString());
        assertThat(text("SELECT status FROM jobs WHERE id = ?", job)).isEqualTo("receiving");
        assertThat(count("SELECT lines_read FROM jobs WHERE id = ?", job)).isEqualTo(3);

        // the same list again resumes the job after its committed chunk: those pages are not asked for again
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        assertThat(intake.accept(file, JobOptions.file("news-classification").withFetch(true)).jobId()).isEqualTo(job);
        for (int i = 201; i <= 205; i++) {
            assertThat(pages.hits("/article/" + i)).as("article " + i).isEqualTo(1);
        }
        assertThat(count("SELECT count(*) FROM items WHERE job_id = ?", job)).isEqualTo(5);
    }

    /** A URL list taken in as {@code process --fetch} does, and packed. */
    private long fetch(String name, String content) throws IOException {
        Path file = Files.createDirectories(work.resolve("files")).resolve(name);
        Files.writeString(file, content);
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        long job = intake.accept(file, JobOptions.file("news-classification").withFetch(true)).jobId();
        template.asyncSendBody("direct:pack", null);
        return job;
    }

    private static Map<Integer, String> errors(Path errorsFile) throws IOException {
        return Files.readAllLines(errorsFile).stream().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).peek(l -> assertThat(l.get("file").asText()).isEqualTo("morning.urls"))
                .collect(Collectors.toMap(l -> l.get("line").asInt(), l -> l.get("reason").asText()));
    }
}
