package dev.batchpipe.realtime;

import com.fasterxml.jackson.databind.JsonNode;

/** A realtime call's answer as the provider sent it, recorded for its submission. */
public record RealtimeAnswer(RealtimeCall call, JsonNode body) {
}
