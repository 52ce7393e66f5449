package dev.batchpipe.sandbox;

import java.util.Map;

/**
 * A provider call as the sandbox received it (see {@link SandboxServer#received()} and {@code GET /sandbox/requests}).
 *
 * @param provider  openai, anthropic or gemini (Azure OpenAI calls are openai)
 * @param method    HTTP method
 * @param path      path without the query
 * @param query     the raw query, an API key in {@code key=} masked; null when there is none
 * @param headers   header names in lower case; credentials (Authorization, api-key, x-api-key, x-goog-api-key)
 *                  masked as {@code ***}, keeping an Authorization scheme ({@code Bearer ***})
 * @param status    the HTTP status answered; 0 for a connection dropped without an answer
 * @param bodyBytes the size of the body the sandbox read
 * @param body      the first 64 KB of that body as UTF-8 (for an OpenAI multipart upload: of its file part)
 */
public record ReceivedRequest(String provider, String method, String path, String query, Map<String, String> headers,
                              int status, long bodyBytes, String body) {

    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
}
