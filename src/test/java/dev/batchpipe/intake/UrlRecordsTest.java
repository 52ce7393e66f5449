package dev.batchpipe.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UrlRecordsTest {

    @TempDir
    Path dir;

    private List<InputRecord> read(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        List<InputRecord> out = new ArrayList<>();
        try (RecordReader reader = UrlRecords.open(file, 1 << 20)) {
            reader.forEachRemaining(r -> out.add(UrlRecords.check(r)));
        }
        return out;
    }

    @Test
    void aTextListHasOneUrlPerLineItsOwnIdAndCommentLines() throws Exception {
        List<InputRecord> records = read("links.urls", "# comment\n\n  https://a.example/x#frag  \n"
                + "mailto:me@example.com\nhttps://b.example/" + "y".repeat(9000) + "\nhttp://c.example/z");
        assertThat(records).extracting(InputRecord::line).containsExactly(3L, 4L, 5L, 6L);
        InputRecord.Parsed first = (InputRecord.Parsed) records.get(0);
        assertThat(first.value().get("id").asText()).isEqualTo("https://a.example/x#frag");
        assertThat(first.value().get("url").asText()).isEqualTo("https://a.example/x#frag");
        assertThat(((InputRecord.Bad) records.get(1)).reason()).isEqualTo("not an http(s) URL (scheme mailto)");
        assertThat(((InputRecord.Bad) records.get(2)).reason()).isEqualTo("line longer than 8192 characters");
        assertThat(records.get(3)).isInstanceOf(InputRecord.Parsed.class);
    }

    @Test
    void jsonRecordsCarryTheirOwnIds() throws Exception {
        List<InputRecord> records = read("links.jsonl", """
                {"id": "a-1", "url": "https://a.example/1"}
                {"id": "a-2"}
                {"id": 3, "url": "https://a.example/3"}
                """);
        assertThat(((InputRecord.Parsed) records.get(0)).value().get("id").asText()).isEqualTo("a-1");
        assertThat(((InputRecord.Bad) records.get(1)).reason()).startsWith("no url");
        assertThat(((InputRecord.Bad) records.get(2)).reason()).isEqualTo("id must be a non-empty string");
    }
}
