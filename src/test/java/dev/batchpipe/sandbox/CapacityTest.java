package dev.batchpipe.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Big inputs through a sandbox started by the CLI in a child JVM with a small fixed heap: a file the heap could not
 * hold even once only gets through if it is streamed to disk and parsed line by line. Progress is read from the
 * sandbox's own counters. The full-size run (50,000 lines, ~200 MB) is tagged {@code capacity} and excluded by
 * default: {@code mvn test -Dtest=CapacityTest -Dsurefire.excludedGroups=}.
 */
class CapacityTest {

    private static final int LINE_BYTES = 4_000;
    private static final Pattern READY = Pattern.compile("sandbox ready: openai=(\\S+)/v1 .*");

    @TempDir
    Path tmp;

    @Test
    void twentyMegabytesThroughASixtyFourMegabyteHeap() throws Exception {
        run(5_000, "64m");
    }

    @Test
    @Tag("capacity")
    void fiftyThousandLinesAndTwoHundredMegabytesThroughASixtyFourMegabyteHeap() throws Exception {
        run(50_000, "64m");
    }

    private void run(int lines, String heap) throws Exception {
        Path input = writeInput(lines);
        Process sandbox = startCli(heap);
        try {
            Client api = new Client(awaitReady(sandbox), Provider.OPENAI, "sk-capacity");
            Client.Response upload = api.uploadOpenAi(input, "batch");
            assertThat(upload.status()).as(upload.body()).isEqualTo(200);
            assertThat(upload.json().get("bytes").asLong()).isEqualTo(Files.size(input));
            String batchId = api.post("/v1/batches", Map.of("input_file_id", upload.json().get("id").asText(),
                    "endpoint", "/v1/chat/completions", "completion_window", "24h")).json().get("id").asText();
            JsonNode done = Support.await(() -> api.get("/v1/batches/" + batchId).json(),
                    b -> b.get("status").asText().matches("completed|failed|expired"));
            assertThat(done.get("status").asText()).as(done.toString()).isEqualTo("completed");

            JsonNode stats = api.get("/sandbox/stats").json().get("openai");
            assertThat(stats.get("filesUploaded").asLong()).isEqualTo(1);
            assertThat(stats.get("requestsReceived").asLong()).isEqualTo(lines);
            assertThat(stats.get("linesSucceeded").asLong()).isEqualTo(lines);
            assertThat(stats.get("duplicateCustomIds").asLong()).isZero();

            Path output = tmp.resolve("output.jsonl");
            api.http().send(api.request("/v1/files/" + done.get("output_file_id").asText() + "/content").GET()
                    .build(), HttpResponse.BodyHandlers.ofFile(output));
            try (Stream<String> out = Files.lines(output)) {
                assertThat(out.count()).isEqualTo(lines);
            }
        } finally {
            sandbox.destroy();
            assertThat(sandbox.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(sandbox.exitValue()).as("exit code after SIGTERM").isZero();
    }

    /** Lines of ~4,000 bytes each (50,000 of them make ~200 MB), written without holding the file. */
    private Path writeInput(int lines) throws IOException {
        Path input = tmp.resolve("input.jsonl");
        int frame = line(0, "").length();
        String paragraph = (AnswersTest.ARTICLE + " ").repeat(40).substring(0, LINE_BYTES - frame - 8);
        try (BufferedWriter w = Files.newBufferedWriter(input, StandardCharsets.UTF_8)) {
            for (int i = 0; i < lines; i++) {
                w.write(line(i, paragraph));
                w.newLine();
            }
        }
        assertThat(Files.size(input)).isBetween(lines * (LINE_BYTES - 10L), lines * (LINE_BYTES + 10L));
        return input;
    }

    private static String line(int i, String paragraph) {
        return OpenAiContractTest.chatLine("req-" + i, "gpt-4o-mini", "Story " + i + ". " + paragraph,
                AnswersTest.ENTITIES).toString();
    }

    private Process startCli(String heap) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-Dbatchpipe.log.dir=" + tmp.resolve("logs"),
                "-cp", System.getProperty("java.class.path"), "dev.batchpipe.Batchpipe", "sandbox", "--port", "0",
                "--data-dir", tmp.resolve("data").toString(), "--speed", "1000", "--tokens-per-second",
                "100000000", "--stage-delay", "0s"));
        return new ProcessBuilder(cmd).redirectError(tmp.resolve("sandbox.err").toFile()).start();
    }

    private static String awaitReady(Process p) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertThat(line).as("the CLI's ready line").isNotNull();
        Matcher m = READY.matcher(line);
        assertThat(m.matches()).as(line).isTrue();
        return m.group(1);
    }
}
