package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.WireJson;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text of a streamed answer, gathered event by event: OpenAI chat chunks ({@code
 * choices[].delta.content}), completion chunks ({@code choices[].text}) and Anthropic's {@code
 * content_block_delta} text, each choice or block kept apart.
 */
final class StreamText {
  private final Map<Integer, StringBuilder> parts = new TreeMap<>();

  /** Adds an event's text; returns whether it had any. */
  boolean add(Object event) {
    JsonNode json;
    try {
      json =
          event instanceof SseEvent sse
              ? WireJson.tree(sse.data())
              : WireJson.mapper().valueToTree(event);
    } catch (RuntimeException notJson) {
      return false;
    }
    return addJson(json);
  }

  boolean addJson(JsonNode json) {
    boolean added = false;
    if (json.path("choices").isArray()) {
      for (JsonNode choice : json.get("choices")) {
        int index = choice.path("index").asInt(0);
        JsonNode text =
            choice.path("delta").path("content").isTextual()
                ? choice.path("delta").path("content")
                : choice.path("text");
        if (text.isTextual()) {
          parts.computeIfAbsent(index, i -> new StringBuilder()).append(text.asText());
          added = true;
        }
      }
    } else if ("content_block_delta".equals(json.path("type").asText())
        && json.path("delta").path("text").isTextual()) {
      parts
          .computeIfAbsent(json.path("index").asInt(0), i -> new StringBuilder())
          .append(json.path("delta").path("text").asText());
      added = true;
    } else if (json.path("type").asText().endsWith(".delta") && json.path("delta").isTextual()) {
      // OpenAI's Responses API stream, passed through.
      parts.computeIfAbsent(0, i -> new StringBuilder()).append(json.path("delta").asText());
      added = true;
    }
    return added;
  }

  /** The answer as a whole body of its kind, for the output hooks. */
  ObjectNode answer(RequestKind kind) {
    ObjectNode json = WireJson.mapper().createObjectNode();
    if (kind == RequestKind.MESSAGES) {
      ArrayNode content = json.putArray("content");
      parts
          .values()
          .forEach(p -> content.addObject().put("type", "text").put("text", p.toString()));
    } else if (kind == RequestKind.CHAT) {
      ArrayNode choices = json.putArray("choices");
      parts.forEach((index, p) ->
          choices
              .addObject()
              .put("index", index)
              .putObject("message")
              .put("role", "assistant")
              .put("content", p.toString()));
    } else if (kind == RequestKind.COMPLETE) {
      ArrayNode choices = json.putArray("choices");
      parts.forEach(
          (index, p) -> choices.addObject().put("index", index).put("text", p.toString()));
    } else {
      json.put(
          ContentParts.RAW_FIELD,
          String.join("\n", parts.values().stream().map(StringBuilder::toString).toList()));
    }
    return json;
  }

  /** The text of a whole server-sent-event body, as read from its {@code data:} lines. */
  static String ofServerSentEvents(String body) {
    StreamText text = new StreamText();
    StringBuilder plain = new StringBuilder();
    for (String line : body.split("\r?\n")) {
      if (!line.startsWith("data:")) {
        continue;
      }
      String data = line.substring(5).strip();
      if (data.equals("[DONE]")) {
        continue;
      }
      try {
        if (!text.addJson(WireJson.tree(data))) {
          continue;
        }
      } catch (RuntimeException notJson) {
        plain.append(data).append('\n');
      }
    }
    String joined =
        String.join("\n", text.parts.values().stream().map(StringBuilder::toString).toList());
    return plain.isEmpty() ? joined : joined + "\n" + plain;
  }
}
