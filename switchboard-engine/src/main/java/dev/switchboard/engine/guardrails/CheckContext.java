package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * What a check sees: the event, the request (as JSON) and, after the request, the answer; the texts
 * of the side the event is about; the caller's metadata and headers.
 *
 * @param request the request body as JSON (for a passed-through body that is not JSON, an object
 *     holding it as text)
 * @param response the answer as JSON, or {@code null} before the request
 * @param texts the texts of the side the event is about, one per content part
 * @param headers the client's request headers by lower-case name, credentials left out
 */
record CheckContext(
    HookEvent event,
    RequestKind kind,
    ObjectNode request,
    JsonNode response,
    List<String> texts,
    boolean streaming,
    String provider,
    Map<String, String> metadata,
    Map<String, String> headers,
    GuardrailServices services) {

  CheckContext {
    texts = List.copyOf(texts);
  }

  /** The texts joined by new lines, empty parts left out, as Portkey's {@code getText}. */
  String text() {
    return String.join("\n", texts.stream().filter(t -> t != null && !t.isEmpty()).toList());
  }

  /** The request's {@code model}, or {@code null}. */
  String model() {
    JsonNode model = request == null ? null : request.get("model");
    return model != null && model.isTextual() ? model.asText() : null;
  }

  /** The context a webhook receives: Portkey's plugin context, headers left out. */
  ObjectNode toJson() {
    ObjectNode json = dev.switchboard.wire.WireJson.mapper().createObjectNode();
    ObjectNode req = json.putObject("request");
    req.set("json", request);
    req.put("text", event == HookEvent.BEFORE_REQUEST ? text() : "");
    req.put("isStreamingRequest", streaming);
    ObjectNode res = json.putObject("response");
    res.set("json", response);
    res.put("text", event == HookEvent.AFTER_REQUEST ? text() : "");
    json.put("provider", provider);
    json.put("requestType", kind.portkeyName());
    ObjectNode meta = json.putObject("metadata");
    metadata.forEach(meta::put);
    json.put("eventType", event.portkeyName());
    return json;
  }
}
