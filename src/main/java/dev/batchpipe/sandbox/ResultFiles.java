package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A batch's result JSONL files (OpenAI writes successes and failures to two files, the others to one). Opening cuts
 * each file back to the length the batch state last committed, which drops lines written after the last save of a
 * process that stopped; the engine then writes them again.
 */
final class ResultFiles implements Closeable {

    private final Sink output;
    private final Sink errors;

    ResultFiles(Path output, long outputBytes, Path errors, long errorBytes) {
        this.output = new Sink(output, outputBytes);
        this.errors = errors == null ? this.output : new Sink(errors, errorBytes);
    }

    void output(JsonNode line) throws IOException {
        output.write(line);
    }

    void error(JsonNode line) throws IOException {
        errors.write(line);
    }

    long outputBytes() {
        return output.length;
    }

    long errorBytes() {
        return errors.length;
    }

    void flush() throws IOException {
        output.flush();
        errors.flush();
    }

    @Override
    public void close() throws IOException {
        output.close();
        if (errors != output) {
            errors.close();
        }
    }

    private static final class Sink implements Closeable {
        private final Path path;
        private long length;
        private OutputStream out;

        Sink(Path path, long committed) {
            this.path = path;
            this.length = committed;
        }

        void write(JsonNode line) throws IOException {
            if (out == null) {
                FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                ch.truncate(length);
                ch.position(length);
                out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            }
            byte[] bytes = Json.MAPPER.writeValueAsBytes(line);
            out.write(bytes);
            out.write('\n');
            length += bytes.length + 1;
        }

        void flush() throws IOException {
            if (out != null) {
                out.flush();
            }
        }

        @Override
        public void close() throws IOException {
            if (out != null) {
                out.close();
                out = null;
            }
        }
    }
}
