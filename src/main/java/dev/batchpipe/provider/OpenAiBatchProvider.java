package dev.batchpipe.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The OpenAI Batch API (Files + Batches), also serving OpenAI-compatible bases (Azure OpenAI: api-key header,
 * api-version query, deployment as model; Groq and others: a different base URL and limits).
 */
public final class OpenAiBatchProvider implements BatchProvider {

    static final String TAG_KEY = "batchpipe_batch";

    public enum Auth { BEARER, API_KEY_HEADER }

    /**
     * @param apiVersion          sent as the {@code api-version} query parameter (Azure), or null
     * @param unversionedEndpoints endpoints are named without {@code /v1} in lines and create ({@code /chat/completions}),
     *                            as Azure names them
     */
    public record Settings(
            String name,
            Supplier<String> baseUrl,
            Supplier<String> apiKey,
            Auth auth,
            String apiVersion,
            boolean unversionedEndpoints,
            String organization,
            String project,
            String completionWindow,
            ProviderLimits limits) {

        String endpoint(String endpoint) {
            return unversionedEndpoints && endpoint.startsWith("/v1/") ? endpoint.substring(3) : endpoint;
        }
    }

    private final Settings settings;
    private final ProviderHttp http;

    public OpenAiBatchProvider(Settings settings, ProviderHttp.Retry retry) {
        this.settings = settings;
        this.http = new ProviderHttp(settings.name(), retry, OpenAiBatchProvider::decodeError);
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public ProviderLimits limits() {
        return settings.limits();
    }

    @Override
    public byte[] encode(BatchRequest r) {
        ObjectNode line = ProviderHttp.JSON.createObjectNode();
        line.put("custom_id", r.customId());
        line.put("method", "POST");
        line.put("url", settings.endpoint(r.endpoint()));
        line.set("body", r.endpoint().equals("/v1/responses") ? responsesBody(r) : chatBody(r));
        return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    static ObjectNode chatBody(BatchRequest r) {
        ObjectNode body = ProviderHttp.JSON.createObjectNode();
        body.put("model", r.model());
        ArrayNode messages = body.putArray("messages");
        if (r.system() != null && !r.system().isBlank()) {
            messages.addObject().put("role", "system").put("content", r.system());
        }
        messages.addObject().put("role", "user").put("content", r.user());
        body.put("max_completion_tokens", r.maxOutputTokens());
        if (r.temperature() != null) {
            body.put("temperature", r.temperature());
        }
        ObjectNode schema = body.putObject("response_format").put("type", "json_schema").putObject("json_schema");
        schema.put("name", r.schemaName()).put("strict", true).set("schema", r.schema());
        return body;
    }

    static ObjectNode responsesBody(BatchRequest r) {
        ObjectNode body = ProviderHttp.JSON.createObjectNode();
        body.put("model", r.model());
        if (r.system() != null && !r.system().isBlank()) {
            body.put("instructions", r.system());
        }
        body.put("input", r.user());
        body.put("max_output_tokens", r.maxOutputTokens());
        if (r.temperature() != null) {
            body.put("temperature", r.temperature());
        }
        ObjectNode format = body.putObject("text").putObject("format");
        format.put("type", "json_schema").put("name", r.schemaName()).put("strict", true).set("schema", r.schema());
        return body;
    }

    @Override
    public String upload(Path jsonl, String displayName) {
        String boundary = "batchpipe-" + UUID.randomUUID();
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + displayName
                + ".jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        JsonNode file = http.json(() -> {
            try {
                return request("/files").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .timeout(Duration.ofMinutes(30))
                        .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofString(head),
                                HttpRequest.BodyPublishers.ofFile(jsonl), HttpRequest.BodyPublishers.ofString(tail)))
                        .build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return ProviderJson.required(file, "id", "file upload");
    }

    @Override
    public ProviderBatch create(String model, String endpoint, String inputFileId, Path jsonl, int count, String tag) {
        ObjectNode body = ProviderHttp.JSON.createObjectNode();
        body.put("input_file_id", inputFileId);
        body.put("endpoint", settings.endpoint(endpoint));
        body.put("completion_window", settings.completionWindow());
        body.putObject("metadata").put(TAG_KEY, tag);
        // a 429 means nothing was created and may be retried; anything else is resolved through findCreated
        return parse(http.json(() -> request("/batches").POST(json(body)).build(), http.defaultRetry().onlyRateLimits()));
    }

    @Override
    public Optional<ProviderBatch> findCreated(Lookup lookup) {
        String tag = lookup.tag();
        Instant since = lookup.since();
        String after = null;
        while (true) {
            String query = "/batches?limit=100" + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
            JsonNode page = http.json(() -> request(query).GET().build());
            for (JsonNode b : page.path("data")) {
                if (tag.equals(b.path("metadata").path(TAG_KEY).asText(null))) {
                    return Optional.of(parse(b));
                }
                if (b.path("created_at").asLong(Long.MAX_VALUE) < since.getEpochSecond()) {
                    return Optional.empty(); // the list is newest first: older ones cannot be ours
                }
            }
            if (!page.path("has_more").asBoolean(false) || page.path("last_id").isMissingNode()) {
                return Optional.empty();
            }
            after = page.path("last_id").asText();
        }
    }

    @Override
    public ProviderBatch get(String id) {
        return parse(http.json(() -> request("/batches/" + id).GET().build()));
    }

    @Override
    public void cancel(String id) {
        http.json(() -> request("/batches/" + id + "/cancel").POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    @Override
    public ResultStream results(ProviderBatch batch) {
        List<Supplier<InputStream>> files = new ArrayList<>();
        for (String fileId : new String[] {batch.outputFileId(), batch.errorFileId()}) {
            if (fileId != null && !fileId.isBlank()) {
                files.add(() -> http.stream(() -> request("/files/" + fileId + "/content")
                        .timeout(Duration.ofMinutes(30)).GET().build()));
            }
        }
        return new JsonLineResults(files, OpenAiBatchProvider::decodeLine);
    }

    /** One output/error file line: a response with a status code, or a non-HTTP error (expired, cancelled). */
    static ResultLine decodeLine(JsonNode line) {
        String customId = line.path("custom_id").asText();
        JsonNode response = line.get("response");
        JsonNode error = line.get("error");
        if (response == null || response.isNull()) {
            String code = error == null ? "" : error.path("code").asText("");
            String message = error == null ? "no response" : code + ": " + error.path("message").asText("");
            return switch (code) {
                case "batch_expired" -> ResultLine.failed(customId, ResultLine.Outcome.EXPIRED, ResultLine.Failure.TRANSIENT,
                        message, ResultLine.Usage.NONE, line);
                case "batch_cancelled" -> ResultLine.failed(customId, ResultLine.Outcome.CANCELLED,
                        ResultLine.Failure.TRANSIENT, message, ResultLine.Usage.NONE, line);
                default -> ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.TRANSIENT, message,
                        ResultLine.Usage.NONE, line);
            };
        }
        int status = response.path("status_code").asInt();
        JsonNode body = response.path("body");
        ResultLine.Usage usage = usage(body.path("usage"));
        if (status != 200) {
            JsonNode err = body.path("error");
            return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.failureOfStatus(status),
                    "HTTP " + status + " " + err.path("code").asText(err.path("type").asText("")) + ": "
                            + err.path("message").asText(""), usage, line);
        }
        if (body.has("choices")) {
            JsonNode choice = body.path("choices").path(0);
            JsonNode message = choice.path("message");
            if (message.hasNonNull("refusal")) {
                return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                        "model refused: " + message.get("refusal").asText(), usage, line);
            }
            if ("length".equals(choice.path("finish_reason").asText())) {
                return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                        "answer cut off at max_completion_tokens", usage, line);
            }
            return ResultLine.succeeded(customId, message.path("content").asText(null), usage, line);
        }
        // Responses API: the first output_text of the message output item
        for (JsonNode item : body.path("output")) {
            for (JsonNode content : item.path("content")) {
                if ("refusal".equals(content.path("type").asText())) {
                    return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                            "model refused: " + content.path("refusal").asText(), usage, line);
                }
                if ("output_text".equals(content.path("type").asText())) {
                    return ResultLine.succeeded(customId, content.path("text").asText(null), usage, line);
                }
            }
        }
        return ResultLine.failed(customId, ResultLine.Outcome.ERRORED, ResultLine.Failure.REQUEST,
                "response holds no answer text", usage, line);
    }

    static ResultLine.Usage usage(JsonNode u) {
        if (u.has("prompt_tokens")) {
            return new ResultLine.Usage(u.path("prompt_tokens").asInt(), u.path("completion_tokens").asInt(),
                    u.path("prompt_tokens_details").path("cached_tokens").asInt());
        }
        return new ResultLine.Usage(u.path("input_tokens").asInt(), u.path("output_tokens").asInt(),
                u.path("input_tokens_details").path("cached_tokens").asInt());
    }

    static ProviderBatch parse(JsonNode b) {
        String status = b.path("status").asText();
        ProviderBatch.State state = switch (status.toLowerCase(java.util.Locale.ROOT)) {
            case "validating" -> ProviderBatch.State.PENDING;
            case "in_progress", "finalizing" -> ProviderBatch.State.RUNNING;
            case "completed" -> ProviderBatch.State.COMPLETED;
            case "failed" -> ProviderBatch.State.FAILED;
            case "expired" -> ProviderBatch.State.EXPIRED;
            case "cancelling" -> ProviderBatch.State.CANCELLING;
            case "cancelled" -> ProviderBatch.State.CANCELLED;
            default -> throw new ProviderException(200, "unknown_status", "unknown batch status '" + status + "'", true);
        };
        JsonNode counts = b.path("request_counts");
        JsonNode firstError = b.path("errors").path("data").path(0);
        return new ProviderBatch(
                b.path("id").asText(), state, status,
                counts.path("total").asInt(), counts.path("completed").asInt(), counts.path("failed").asInt(),
                b.path("input_file_id").asText(null), ProviderJson.text(b, "output_file_id"), ProviderJson.text(b, "error_file_id"),
                firstError.path("code").asText(null), firstError.path("message").asText(null),
                b.path("metadata").path(TAG_KEY).asText(null),
                epoch(b.path("created_at")), epoch(b.path("expires_at")), counts.toString());
    }

    private static Instant epoch(JsonNode v) {
        return v.isNumber() ? Instant.ofEpochSecond(v.asLong()) : null;
    }

    static ProviderException decodeError(int status, String body) {
        return ProviderJson.error(status, body, err -> err.path("code").asText(err.path("type").asText(null)));
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        String url = settings.baseUrl().get() + pathAndQuery;
        if (settings.apiVersion() != null) {
            url += (url.contains("?") ? "&" : "?") + "api-version=" + settings.apiVersion();
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(2));
        String key = settings.apiKey().get();
        if (settings.auth() == Auth.API_KEY_HEADER) {
            b.header("api-key", key);
        } else {
            b.header("Authorization", "Bearer " + key);
        }
        if (settings.organization() != null) {
            b.header("OpenAI-Organization", settings.organization());
        }
        if (settings.project() != null) {
            b.header("OpenAI-Project", settings.project());
        }
        return b;
    }

    private static HttpRequest.BodyPublisher json(JsonNode body) {
        return HttpRequest.BodyPublishers.ofString(body.toString());
    }
}
