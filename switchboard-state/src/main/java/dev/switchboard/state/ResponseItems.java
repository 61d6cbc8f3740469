package dev.switchboard.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** The Responses API's items as the conversation state keeps and lists them, and its ids. */
final class ResponseItems {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final SecureRandom RANDOM = new SecureRandom();

  private ResponseItems() {}

  /**
   * A request's {@code input} as items: a string is one user message ({@code "input": "hi"} means
   * {@code [{"type":"message","role":"user","content":"hi"}]}), an array is its items.
   *
   * @throws InvalidRequestException when it is neither
   */
  static ArrayNode of(JsonNode input) {
    if (input == null || input.isNull() || input.isMissingNode()) {
      return NODES.arrayNode();
    }
    if (input.isTextual()) {
      ArrayNode items = NODES.arrayNode();
      items.addObject().put("type", "message").put("role", "user").put("content", input.asText());
      return items;
    }
    if (input.isArray()) {
      return (ArrayNode) input.deepCopy();
    }
    throw new InvalidRequestException(
        "'input' must be a string or an array of input items.", "input", null);
  }

  /**
   * The items as {@code input_items} lists them: each with an id (a message without one is given
   * {@code msg_…}), a message's string content as one {@code input_text} part.
   */
  static ArrayNode listed(ArrayNode items) {
    ArrayNode listed = NODES.arrayNode();
    for (JsonNode item : items) {
      if (!item.isObject()) {
        continue;
      }
      ObjectNode each = ((ObjectNode) item).deepCopy();
      boolean message = !each.has("type") || each.path("type").asText().equals("message");
      if (message) {
        each.put("type", "message");
        JsonNode content = each.get("content");
        if (content != null && content.isTextual()) {
          ArrayNode parts = NODES.arrayNode();
          parts
              .addObject()
              .put(
                  "type",
                  each.path("role").asText().equals("assistant") ? "output_text" : "input_text")
              .put("text", content.asText());
          each.set("content", parts);
        }
      }
      if (!each.hasNonNull("id")) {
        ObjectNode withId = NODES.objectNode();
        withId.put("id", id(message ? "msg_" : "item_"));
        withId.setAll(each);
        each = withId;
      }
      listed.add(each);
    }
    return listed;
  }

  /** A fresh id with {@code prefix} ({@code resp_}, {@code msg_}) and 48 random hex digits. */
  static String id(String prefix) {
    byte[] random = new byte[24];
    RANDOM.nextBytes(random);
    return prefix + HexFormat.of().formatHex(random);
  }
}
