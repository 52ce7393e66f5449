package dev.batchpipe.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchpipe.support.PipelineTest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of hostile input files, each with its expected outcome: the service never crashes, reports every bad line
 * by number and reason, and processes the good lines.
 */
class BadInputCorpusTest extends PipelineTest {

    private static final String GOOD_1 = "{\"id\":\"%s-1\",\"title\":\"Rates\",\"contents\":\"The central bank held rates.\"}\n";
    private static final String GOOD_2 = "{\"id\":\"%s-2\",\"title\":\"Energy\",\"contents\":\"Shell cut supply.\"}\n";

    @Override
    protected Map<String, String> settings() {
        return Map.of("batchpipe.pack.interval-ms", "300",
                "batchpipe.intake.max-record-bytes", "65536",
                // long enough to watch a file grow in the inbox
                "batchpipe.inbox.settle-time", "1500ms");
    }

    /** file name, content, expected job status, good items, rejected lines (line: reason fragment). */
    record Case(String name, byte[] content, String status, int items, List<String> rejected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> corpus() {
        return List.of(
                new Case("empty.jsonl", new byte[0], "rejected", 0, List.of()),
                new Case("only-header.csv", "id,title,contents\n".getBytes(StandardCharsets.UTF_8), "rejected", 0, List.of()),
                new Case("malformed.jsonl", utf8(GOOD_1.formatted("mal") + "{\"id\": \"mal-x\", oops}\n[1,2,3]\n"
                        + GOOD_2.formatted("mal")), "succeeded", 2, List.of("2:malformed JSON", "3:expected a JSON object")),
                new Case("invalid-utf8.jsonl", concat(utf8(GOOD_1.formatted("utf")),
                        new byte[] {'{', '"', 'i', 'd', '"', ':', '"', (byte) 0xFF, (byte) 0xFE, '"', '}', '\n'},
                        utf8(GOOD_2.formatted("utf"))), "succeeded", 2, List.of("2:invalid UTF-8")),
                new Case("bom.jsonl", concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                        utf8(GOOD_1.formatted("bom") + GOOD_2.formatted("bom"))), "succeeded", 2, List.of()),
                new Case("quotes.csv", utf8("""
                        id,title,contents
                        q-1,"Rates, again","First line
                        second line of the same record"
                        q-2,Rates "hike" stray quotes,plain text
                        q-3,"unterminated,this quote never ends
                        q-4,lost,because it is inside the open quote
                        """), "succeeded", 2, List.of("5:is a quote left open?")),
                new Case("fields.jsonl", utf8("""
                        {"id":"fld-1","title":"Missing contents"}
                        {"id":"fld-2","title":"Extra","contents":"kept","mood":"fine"}
                        {"id":"fld-3","title":42,"contents":"title is a number"}
                        {"id":17,"title":"Id","contents":"id is a number"}
                        """), "succeeded", 1, List.of("1:contents", "3:$.title", "4:$.id")),
                new Case("duplicates.jsonl", utf8(GOOD_1.formatted("dup") + GOOD_1.formatted("dup") + GOOD_2.formatted("dup")),
                        "succeeded", 2, List.of("2:duplicate id 'dup-1' (first on line 1)")),
                new Case("oversized.jsonl", utf8(GOOD_1.formatted("big") + "{\"id\":\"big-x\",\"title\":\"t\",\"contents\":\""
                        + "x".repeat(70_000) + "\"}\n" + GOOD_2.formatted("big")), "succeeded", 2,
                        List.of("2:record larger than 65536 bytes")),
                new Case("news with spaces.jsonl", utf8(GOOD_1.formatted("sp")), "succeeded", 1, List.of()),
                new Case("haberler-çğışöü.jsonl", utf8(GOOD_1.formatted("uni")), "succeeded", 1, List.of()),
                new Case("odd..name.jsonl", utf8(GOOD_1.formatted("dots")), "succeeded", 1, List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void eachHostileFileHasItsExpectedOutcome(Case c) throws Exception {
        Path file = drop("news-classification", c.name(), c.content());
        long job = awaitJobFor(file);
        template.sendBody("direct:pack", null);
        awaitFinished(job);

        assertThat(status(job)).isEqualTo(c.status());
        assertThat(count("SELECT items_accepted FROM jobs WHERE id = ?", job)).isEqualTo(c.items());
        assertThat(count("SELECT count(*) FROM requests WHERE job_id = ? AND state = 'succeeded'", job)).isEqualTo(c.items());
        List<String> errors = db.withHandle(h -> h.createQuery("SELECT line || ':' || reason FROM input_errors "
                + "WHERE job_id = :job ORDER BY line").bind("job", job).mapTo(String.class).list());
        assertThat(errors).hasSize(c.rejected().size());
        for (int i = 0; i < errors.size(); i++) {
            String expected = c.rejected().get(i);
            assertThat(errors.get(i)).startsWith(expected.substring(0, expected.indexOf(':') + 1))
                    .contains(expected.substring(expected.indexOf(':') + 1));
        }
        String folder = c.status().equals("rejected") ? "rejected" : "done";
        assertThat(inbox("news-classification").resolve(folder).resolve(job + "-" + c.name())).exists();
        if (!c.rejected().isEmpty()) {
            assertThat(Files.readAllLines(inbox("news-classification").resolve(folder)
                    .resolve(job + "-" + c.name() + ".errors.jsonl"))).hasSize(c.rejected().size())
                    .allSatisfy(l -> assertThat(l).contains("\"file\":\"" + c.name() + "\""));
        }
    }

    @Test
    void aHiddenFileIsLeftAloneSoToolsCanWriteItThenRenameIt() throws Exception {
        Path hidden = drop("news-classification", ".partial.jsonl", utf8(GOOD_1.formatted("hid")));
        Path visible = drop("news-classification", "visible.jsonl", utf8(GOOD_1.formatted("vis")));
        awaitJobFor(visible);
        assertThat(hidden).exists();
        assertThat(count("SELECT count(*) FROM jobs WHERE source = ?", hidden.toString())).isZero();
    }

    @Test
    void aFileStillBeingWrittenIsReadOnlyOnceItStopsChanging() throws Exception {
        Path file = Files.createDirectories(inbox("news-classification")).resolve("growing.jsonl");
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int part = 0; part < 4; part++) {
                out.write(utf8(articles("grow" + part, 5)));
                out.flush();
                Thread.sleep(600);
            }
        }
        long job = awaitJobFor(file);
        assertThat(count("SELECT items_accepted FROM jobs WHERE id = ?", job)).isEqualTo(20);
        assertThat(count("SELECT count(*) FROM jobs WHERE source = ?", file.toString())).isEqualTo(1);
    }

    private Path drop(String task, String name, byte[] content) throws IOException {
        Path staging = Files.createDirectories(work.resolve("staging")).resolve(name);
        Files.write(staging, content);
        return Files.move(staging, Files.createDirectories(inbox(task)).resolve(name));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
