package dev.batchpipe.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.PageServer;
import dev.batchpipe.support.PipelineTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SSRF through the real routes, with private addresses refused: only 127.0.0.1 is let through (by
 * batchpipe.fetch.allow-addresses, standing in for a public host), so 127.0.0.2 plays the private network. A private
 * address is refused whether it is asked for or redirected to, and no request reaches it.
 */
class FetchGuardTest extends PipelineTest {

    private PageServer pages;

    @Override
    protected Map<String, String> settings() {
        return Map.of(
                "batchpipe.fetch.allow-private", "false",
                "batchpipe.fetch.allow-addresses", "127.0.0.1/32",
                "batchpipe.fetch.host-delay", "10");
    }

    @BeforeAll
    void startPages() throws IOException {
        pages = PageServer.start("127.0.0.1", "127.0.0.2");
    }

    @AfterAll
    void stopPages() {
        pages.close();
    }

    @Test
    void privateAndMetadataAddressesAreRefusedAsAskedAndWhenRedirectedTo() throws Exception {
        String privatePage = pages.url(1, "/article/2");
        String content = String.join("\n",
                pages.url("/article/1"),                              // 1 allowed
                privatePage,                                          // 2 private
                pages.url("/go?to=" + privatePage),                   // 3 allowed, redirected to private
                "http://169.254.169.254/latest/meta-data/",           // 4 cloud metadata
                "http://[::1]:" + privatePage.replaceAll(".*:(\\d+)/.*", "$1") + "/article/3", // 5 IPv6 loopback
                "http://0.0.0.0:" + privatePage.replaceAll(".*:(\\d+)/.*", "$1") + "/article/4") // 6 every local address
                + "\n";
        Path file = Files.createDirectories(work.resolve("files")).resolve("guarded.txt");
        Files.writeString(file, content);
        FileIntake intake = template.getCamelContext().getRegistry().lookupByNameAndType("fileIntake", FileIntake.class);
        var result = intake.accept(file, JobOptions.file("news-classification").withFetch(true));

        assertThat(result.itemsAccepted()).isEqualTo(1);
        assertThat(text("SELECT source_key FROM items WHERE job_id = ?", result.jobId())).isEqualTo(pages.url("/article/1"));
        Map<Long, String> reasons = new java.util.TreeMap<>();
        db.withHandle(h -> h.createQuery("SELECT line, reason FROM input_errors WHERE job_id = :j").bind("j", result.jobId())
                .map((rs, ctx) -> reasons.put(rs.getLong(1), rs.getString(2))).list());
        assertThat(reasons).containsOnlyKeys(2L, 3L, 4L, 5L, 6L);
        assertThat(reasons.get(2L)).contains("refused: 127.0.0.2 resolves to 127.0.0.2 (loopback), not a public address");
        assertThat(reasons.get(3L)).contains("refused: 127.0.0.2");
        assertThat(reasons.get(4L)).contains("169.254.169.254 (link-local, cloud metadata)");
        assertThat(reasons.get(5L)).contains("(loopback)");
        assertThat(reasons.get(6L)).contains("0.0.0.0 (unspecified)");
        // the redirect was asked for, its private target never was
        assertThat(pages.hits("/go")).isEqualTo(1);
        assertThat(pages.hits().stream().filter(h -> h.host().startsWith("127.0.0.2")).count()).isZero();
        assertThat(pages.hits("/article/2") + pages.hits("/article/3") + pages.hits("/article/4")).isZero();
    }
}
