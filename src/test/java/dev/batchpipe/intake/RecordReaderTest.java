package dev.batchpipe.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordReaderTest {

    @TempDir
    Path dir;

    @Test
    void jsonLinesReportsEachBadLineAndKeepsReading() throws IOException {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] invalidUtf8 = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', '\n'};
        Path f = write("in.jsonl", bom, """
                {"id":"1","title":"a"}

                {"id":"2", broken
                [1,2]
                """.getBytes(StandardCharsets.UTF_8), invalidUtf8, "{\"id\":\"3\"}".getBytes(StandardCharsets.UTF_8));

        List<InputRecord> records = readAll(f, 1 << 20);

        assertThat(records).extracting(InputRecord::line).containsExactly(1L, 3L, 4L, 5L, 6L);
        assertThat(((InputRecord.Parsed) records.get(0)).value().get("id").asText()).isEqualTo("1");
        assertThat(((InputRecord.Bad) records.get(1)).reason()).startsWith("malformed JSON");
        assertThat(((InputRecord.Bad) records.get(2)).reason()).isEqualTo("expected a JSON object, got array");
        assertThat(((InputRecord.Bad) records.get(3)).reason()).isEqualTo("invalid UTF-8");
        assertThat(((InputRecord.Parsed) records.get(4)).value().get("id").asText()).isEqualTo("3");
    }

    @Test
    void aResumedReadingStartsAfterTheLinesAlreadyCommitted() throws IOException {
        Path f = write("resume.jsonl", """
                {"id":"1"}
                {"id":"2"}
                not json
                {"id":"4"}
                """.getBytes(StandardCharsets.UTF_8));

        List<Long> lines = new ArrayList<>();
        try (RecordReader reader = RecordReader.open(f, 1 << 20).after(2)) {
            reader.forEachRemaining(r -> lines.add(r.line()));
        }

        assertThat(lines).containsExactly(3L, 4L);
    }

    @Test
    void aLineLargerThanTheLimitIsRejectedWithoutBeingHeld() throws IOException {
        String big = "{\"id\":\"x\",\"text\":\"" + "a".repeat(5000) + "\"}\n";
        Path f = write("big.jsonl", big.getBytes(StandardCharsets.UTF_8), "{\"id\":\"y\"}\n".getBytes(StandardCharsets.UTF_8));

        List<InputRecord> records = readAll(f, 1000);

        assertThat(records).hasSize(2);
        assertThat(((InputRecord.Bad) records.get(0)).reason()).isEqualTo("record larger than 1000 bytes");
        assertThat(records.get(1)).isInstanceOf(InputRecord.Parsed.class);
    }

    @Test
    void jsonArrayIsStreamedWithTheLineEachElementStartsOn() throws IOException {
        Path f = write("in.json", """
                [
                  {"id": "1"},
                  {"id": "2",
                   "title": "two"},
                  "not an object"
                ]""".getBytes(StandardCharsets.UTF_8));

        List<InputRecord> records = readAll(f, 1 << 20);

        assertThat(records).extracting(InputRecord::line).containsExactly(2L, 3L, 5L);
        assertThat(records.get(2)).isInstanceOf(InputRecord.Bad.class);
    }

    @Test
    void malformedJsonArrayStopsAtTheErrorKeepingWhatCameBefore() throws IOException {
        Path f = write("in.json", "[{\"id\":\"1\"},\n{\"id\": }\n,{\"id\":\"3\"}]".getBytes(StandardCharsets.UTF_8));

        List<InputRecord> records = readAll(f, 1 << 20);

        assertThat(records).hasSize(2);
        assertThat(records.get(0)).isInstanceOf(InputRecord.Parsed.class);
        assertThat(((InputRecord.Bad) records.get(1)).reason()).contains("the rest of the file could not be read");
        assertThat(records.get(1).line()).isEqualTo(2);
    }

    @Test
    void csvHandlesQuotedNewlinesAndReportsColumnMismatchesByStartLine() throws IOException {
        Path f = write("in.csv", """
                id,title,contents
                1,"Rates, again","line one
                line two"
                2,short
                3,"He said ""no""\",fine
                """.getBytes(StandardCharsets.UTF_8));

        List<InputRecord> records = readAll(f, 1 << 20);

        assertThat(records).extracting(InputRecord::line).containsExactly(2L, 4L, 5L);
        InputRecord.Parsed first = (InputRecord.Parsed) records.get(0);
        assertThat(first.value().get("contents").asText()).isEqualTo("line one\nline two");
        assertThat(first.value().get("title").asText()).isEqualTo("Rates, again");
        assertThat(((InputRecord.Bad) records.get(1)).reason()).isEqualTo("expected 3 columns (as in the header), got 2");
        assertThat(((InputRecord.Parsed) records.get(2)).value().get("title").asText()).isEqualTo("He said \"no\"");
    }

    @Test
    void csvWithOnlyAHeaderOrNothingHasNoRecords() throws IOException {
        assertThat(readAll(write("h.csv", "id,title\n".getBytes(StandardCharsets.UTF_8)), 100)).isEmpty();
        assertThat(readAll(write("e.csv", new byte[0]), 100)).isEmpty();
        assertThat(readAll(write("e.jsonl", new byte[0]), 100)).isEmpty();
    }

    @Test
    void formatFollowsTheExtensionThenTheFirstCharacter() throws IOException {
        assertThat(RecordReader.detect(write("a.csv", "{".getBytes()))).isEqualTo(RecordReader.Format.CSV);
        assertThat(RecordReader.detect(write("a.json", " \n[".getBytes()))).isEqualTo(RecordReader.Format.JSON_ARRAY);
        assertThat(RecordReader.detect(write("a.json", "{\"a\":1}".getBytes()))).isEqualTo(RecordReader.Format.JSONL);
        assertThat(RecordReader.detect(write("a.txt", "id,title\n".getBytes()))).isEqualTo(RecordReader.Format.CSV);
        assertThat(RecordReader.detect(write("b.txt", "{\"a\":1}".getBytes()))).isEqualTo(RecordReader.Format.JSONL);
    }

    @Test
    void aCsvHeaderThatCannotBeReadIsTheOneRejectedLineOfTheFile() throws IOException {
        byte[] binary = {(byte) 0xC3, (byte) 0x28, 'a', ',', 'b', '\n', '1', ',', '2', '\n'};

        List<InputRecord> notText = readAll(write("scan.docx", binary), 1000);
        List<InputRecord> unnamed = readAll(write("gap.csv", "id,,title\n1,2,3\n".getBytes(StandardCharsets.UTF_8)), 1000);

        assertThat(notText).singleElement().satisfies(r -> {
            assertThat(r.line()).isEqualTo(1);
            assertThat(((InputRecord.Bad) r).reason()).isEqualTo("invalid UTF-8; the file could not be read");
        });
        assertThat(unnamed).singleElement().satisfies(r ->
                assertThat(((InputRecord.Bad) r).reason()).startsWith("unreadable CSV header: "));
    }

    private Path write(String name, byte[]... parts) throws IOException {
        Path f = dir.resolve(name);
        try (var out = Files.newOutputStream(f)) {
            for (byte[] p : parts) {
                out.write(p);
            }
        }
        return f;
    }

    private static List<InputRecord> readAll(Path f, int max) throws IOException {
        List<InputRecord> all = new ArrayList<>();
        try (RecordReader r = RecordReader.open(f, max)) {
            r.forEachRemaining(all::add);
        }
        return all;
    }
}
