package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the text a hook checks sits in a request or an answer, and how a mutator writes it back.
 *
 * <p>Requests, as Portkey's {@code getCurrentContentPart}: chat and messages (and count_tokens),
 * the last message's content (a string, or each part's {@code text}); completions, the {@code
 * prompt} (string or strings); embeddings, the {@code input} strings. A passed-through body, which
 * Portkey does not check at all, is read by the same rules when it is JSON ({@code messages}, else
 * {@code prompt}, else {@code input}: a string, strings, or Responses-API items whose last content
 * counts), else the whole body is the text.
 *
 * <p>Answers: chat, every choice's {@code message.content} (Portkey reads the first choice only);
 * completions, every choice's {@code text}; messages, each {@code content} block's {@code text}.
 *
 * <p>MCP tool calls (ours; Portkey has none): the call's {@code arguments} as one text, their JSON
 * (so a regex, PII or injection check reads every value, and {@code default.jsonSchema} the whole
 * object), which a mutator's rewrite replaces when it is still JSON; the result's text content
 * blocks ({@code content[].text}), as a Messages answer's.
 */
final class ContentParts {
  private ContentParts() {}

  /**
   * One place holding text: a field of an object, or an element of an array; or, with {@code json},
   * a field holding JSON read as its text and written back parsed (a tool call's arguments).
   */
  record Slot(JsonNode container, String field, int index, boolean json) {
    Slot(JsonNode container, String field, int index) {
      this(container, field, index, false);
    }

    String get() {
      JsonNode value = container instanceof ObjectNode o ? o.get(field) : container.get(index);
      if (json) {
        return value == null || value.isNull() ? "{}" : WireJson.writeString(value);
      }
      return value != null && value.isTextual() ? value.asText() : "";
    }

    void set(String text) {
      if (json) {
        // A rewrite that is no longer JSON is kept as text, which the caller refuses to send.
        JsonNode parsed;
        try {
          parsed = WireJson.tree(text);
        } catch (WireFormatException notJson) {
          parsed = com.fasterxml.jackson.databind.node.TextNode.valueOf(text);
        }
        ((ObjectNode) container).set(field, parsed);
      } else if (container instanceof ObjectNode object) {
        object.put(field, text);
      } else {
        ((ArrayNode) container).set(index, object(text));
      }
    }

    private static JsonNode object(String text) {
      return com.fasterxml.jackson.databind.node.TextNode.valueOf(text);
    }
  }

  static List<Slot> request(RequestKind kind, JsonNode json) {
    List<Slot> slots = new ArrayList<>();
    if (json == null || !json.isObject()) {
      return slots;
    }
    switch (kind) {
      case CHAT, MESSAGES, COUNT_TOKENS -> lastMessage(json.get("messages"), slots);
      case COMPLETE -> stringOrStrings(json, "prompt", slots);
      case EMBED -> stringOrStrings(json, "input", slots);
      case PROXY, RESPONSES -> {
        if (json.has(RAW_FIELD)) {
          slots.add(new Slot(json, RAW_FIELD, -1));
        } else if (json.path("messages").isArray()) {
          lastMessage(json.get("messages"), slots);
        } else if (json.has("prompt")) {
          stringOrStrings(json, "prompt", slots);
        } else if (json.path("input").isArray()
            && !json.get("input").isEmpty()
            && json.get("input").get(json.get("input").size() - 1).isObject()) {
          lastMessage(json.get("input"), slots);
        } else {
          stringOrStrings(json, "input", slots);
        }
      }
      case TOOL_CALL -> slots.add(new Slot(json, "arguments", -1, true));
      case LIST_MODELS -> {}
    }
    return slots;
  }

  /** The field under which a body that is not JSON is held as text. */
  static final String RAW_FIELD = "$raw";

  static List<Slot> response(RequestKind kind, JsonNode json) {
    List<Slot> slots = new ArrayList<>();
    if (json == null || !json.isObject()) {
      return slots;
    }
    if (json.has(RAW_FIELD)) {
      slots.add(new Slot(json, RAW_FIELD, -1));
      return slots;
    }
    if (json.path("choices").isArray()) {
      for (JsonNode choice : json.get("choices")) {
        if (choice.path("message").isObject()) {
          content(choice.get("message"), slots);
        } else if (choice.path("text").isTextual()) {
          slots.add(new Slot(choice, "text", -1));
        }
      }
    } else if (json.path("content").isArray()) {
      content(json, slots);
    } else if (json.path("output").isArray()) {
      // OpenAI's Responses API, passed through.
      for (JsonNode item : json.get("output")) {
        content(item, slots);
      }
    }
    return slots;
  }

  private static void lastMessage(JsonNode messages, List<Slot> slots) {
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      return;
    }
    content(messages.get(messages.size() - 1), slots);
  }

  private static void content(JsonNode holder, List<Slot> slots) {
    JsonNode content = holder.get("content");
    if (content == null) {
      return;
    }
    if (content.isTextual()) {
      slots.add(new Slot(holder, "content", -1));
    } else if (content.isArray()) {
      for (JsonNode part : content) {
        if (part.isObject() && part.path("text").isTextual()) {
          slots.add(new Slot(part, "text", -1));
        }
      }
    }
  }

  private static void stringOrStrings(JsonNode json, String field, List<Slot> slots) {
    JsonNode value = json.get(field);
    if (value == null) {
      return;
    }
    if (value.isTextual()) {
      slots.add(new Slot(json, field, -1));
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        if (value.get(i).isTextual()) {
          slots.add(new Slot(value, null, i));
        }
      }
    }
  }

  static List<String> texts(List<Slot> slots) {
    return slots.stream().map(Slot::get).toList();
  }
}
