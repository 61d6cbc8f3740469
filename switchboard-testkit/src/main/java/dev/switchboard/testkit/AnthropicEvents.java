package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A complete Anthropic message as the events of its stream, in Anthropic's order
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming): {@code message_start}; for each
 * content block {@code content_block_start}, its deltas and {@code content_block_stop}, with a
 * {@code ping} after the first block's start; {@code message_delta} with the stop reason and output
 * usage; {@code message_stop}. Each event's data carries its {@code type}, which is also its name.
 */
final class AnthropicEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private AnthropicEvents() {}

  static List<JsonNode> of(ObjectNode message) {
    List<JsonNode> events = new ArrayList<>();
    ObjectNode start = message.deepCopy();
    start.putArray("content");
    start.putNull("stop_reason");
    start.putNull("stop_sequence");
    ((ObjectNode) start.get("usage")).put("output_tokens", 1);
    ObjectNode messageStart = event("message_start");
    messageStart.set("message", start);
    events.add(messageStart);
    int index = 0;
    for (JsonNode block : message.path("content")) {
      ObjectNode blockStart = event("content_block_start").put("index", index);
      blockStart.set("content_block", emptied(block));
      events.add(blockStart);
      if (index == 0) {
        events.add(event("ping"));
      }
      switch (block.path("type").asText()) {
        case "text" -> {
          for (String piece : WordTokens.pieces(block.path("text").asText())) {
            events.add(delta(index, "text_delta", "text", piece));
          }
        }
        case "thinking" -> {
          for (String piece : WordTokens.pieces(block.path("thinking").asText())) {
            events.add(delta(index, "thinking_delta", "thinking", piece));
          }
          events.add(
              delta(index, "signature_delta", "signature", block.path("signature").asText()));
        }
        case "tool_use" -> {
          // Anthropic opens with an empty fragment, then sends the input in pieces.
          String input = block.path("input").toString();
          events.add(delta(index, "input_json_delta", "partial_json", ""));
          int half = input.length() / 2;
          events.add(delta(index, "input_json_delta", "partial_json", input.substring(0, half)));
          events.add(delta(index, "input_json_delta", "partial_json", input.substring(half)));
        }
        default -> {}
      }
      events.add(event("content_block_stop").put("index", index));
      index++;
    }
    ObjectNode messageDelta = event("message_delta");
    messageDelta
        .putObject("delta")
        .put("stop_reason", message.path("stop_reason").asText())
        .set("stop_sequence", message.get("stop_sequence"));
    messageDelta
        .putObject("usage")
        .put("output_tokens", message.path("usage").path("output_tokens").asInt());
    events.add(messageDelta);
    events.add(event("message_stop"));
    return events;
  }

  /** A block as {@code content_block_start} announces it: its content still empty. */
  private static ObjectNode emptied(JsonNode block) {
    ObjectNode empty = block.deepCopy();
    switch (block.path("type").asText()) {
      case "text" -> empty.put("text", "");
      case "thinking" -> empty.put("thinking", "").put("signature", "");
      case "tool_use" -> empty.putObject("input");
      default -> {}
    }
    return empty;
  }

  private static ObjectNode delta(int index, String type, String field, String value) {
    ObjectNode event = event("content_block_delta").put("index", index);
    event.putObject("delta").put("type", type).put(field, value);
    return event;
  }

  private static ObjectNode event(String type) {
    return JSON.createObjectNode().put("type", type);
  }
}
