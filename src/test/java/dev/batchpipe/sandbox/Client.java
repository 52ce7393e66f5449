package dev.batchpipe.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/** A thin real-HTTP client for the tests: provider headers, JSON, streamed multipart uploads. */
final class Client {

    static final ObjectMapper JSON = new ObjectMapper();

    /** A response with its body parsed as JSON when it is JSON. */
    record Response(int status, Map<String, List<String>> headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst();
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final Supplier<String> base;
    private final Provider provider;
    private final String key;
    /** Azure OpenAI: {@code api-key} header and paths under {@code /openai}. */
    private final boolean azure;

    Client(String base, Provider provider, String key) {
        this(() -> base, provider, key);
    }

    Client(Supplier<String> base, Provider provider, String key) {
        this(base, provider, key, false);
    }

    private Client(Supplier<String> base, Provider provider, String key, boolean azure) {
        this.base = base;
        this.provider = provider;
        this.key = key;
        this.azure = azure;
    }

    static Client azure(Supplier<String> base) {
        return new Client(base, Provider.OPENAI, "azure-key", true);
    }

    static Client openAi(SandboxServer s) {
        return openAi(s::baseUrl);
    }

    static Client anthropic(SandboxServer s) {
        return anthropic(s::baseUrl);
    }

    static Client gemini(SandboxServer s) {
        return gemini(s::baseUrl);
    }

    static Client openAi(Supplier<String> base) {
        return new Client(base, Provider.OPENAI, "sk-test");
    }

    static Client anthropic(Supplier<String> base) {
        return new Client(base, Provider.ANTHROPIC, "sk-ant-test");
    }

    static Client gemini(Supplier<String> base) {
        return new Client(base, Provider.GEMINI, "AIza-test");
    }

    HttpClient http() {
        return http;
    }

    HttpRequest.Builder request(String path) {
        String full = path.startsWith("http") ? path : base.get() + (azure ? "/openai" : "") + path;
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(full)).timeout(Duration.ofSeconds(60));
        if (azure) {
            b.header("api-key", key);
        } else if (key != null) {
            switch (provider) {
                case OPENAI -> b.header("Authorization", "Bearer " + key);
                case ANTHROPIC -> b.header("x-api-key", key).header("anthropic-version", "2023-06-01");
                case GEMINI -> b.header("x-goog-api-key", key);
            }
        }
        return b;
    }

    Response get(String path) {
        return send(request(path).GET().build());
    }

    Response delete(String path) {
        return send(request(path).DELETE().build());
    }

    Response post(String path, Object json) {
        try {
            String body = json instanceof String s ? s : JSON.writeValueAsString(json);
            return send(request(path).header("content-type", "application/json")
                    .POST(BodyPublishers.ofString(body)).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Response send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** OpenAI file upload, the file streamed from disk (never read into this JVM's heap). */
    Response uploadOpenAi(Path file, String purpose) {
        try {
            String boundary = "----sandbox" + UUID.randomUUID();
            String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n" + purpose
                    + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                    + file.getFileName() + "\"\r\nContent-Type: application/jsonl\r\n\r\n";
            String tail = "\r\n--" + boundary + "--\r\n";
            BodyPublisher body = BodyPublishers.concat(BodyPublishers.ofString(head), BodyPublishers.ofFile(file),
                    BodyPublishers.ofString(tail));
            return send(request("/v1/files").header("content-type", "multipart/form-data; boundary=" + boundary)
                    .POST(body).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Gemini resumable upload in chunks: start, then {@code upload} per chunk and {@code upload, finalize}. */
    Response uploadGemini(byte[] content, String displayName, int chunkSize) {
        Response start = send(request("/upload/v1beta/files")
                .header("X-Goog-Upload-Protocol", "resumable").header("X-Goog-Upload-Command", "start")
                .header("X-Goog-Upload-Header-Content-Length", String.valueOf(content.length))
                .header("X-Goog-Upload-Header-Content-Type", "application/jsonl")
                .header("content-type", "application/json")
                .POST(BodyPublishers.ofString("{\"file\":{\"display_name\":\"" + displayName + "\"}}")).build());
        if (start.status() != 200) {
            return start;
        }
        String url = start.header("x-goog-upload-url").orElseThrow();
        Response last = null;
        for (int offset = 0; offset < content.length || last == null; offset += chunkSize) {
            int end = Math.min(content.length, offset + chunkSize);
            boolean finalChunk = end == content.length;
            // upload URLs carry their own credential, like Google's
            last = new Client(base, provider, null).send(HttpRequest.newBuilder(URI.create(url))
                    .header("X-Goog-Upload-Command", finalChunk ? "upload, finalize" : "upload")
                    .header("X-Goog-Upload-Offset", String.valueOf(offset))
                    .POST(BodyPublishers.ofByteArray(content, offset, end - offset)).build());
            if (last.status() != 200) {
                return last;
            }
        }
        return last;
    }
}
