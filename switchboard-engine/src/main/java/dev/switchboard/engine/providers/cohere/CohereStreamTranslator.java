package dev.switchboard.engine.providers.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.List;

/**
 * Cohere's v2 chat stream (https://docs.cohere.com/docs/streaming) as OpenAI chunks, one event in,
 * chunks out, apart from HTTP: {@code message-start} → the role; {@code content-delta} → content;
 * {@code tool-call-start} → a tool call's id and name on the next index (parallel calls 0, 1, …);
 * {@code tool-call-delta} → its arguments; {@code message-end} → the finish reason, then the usage
 * chunk (no choices) when the client asked for it. {@code content-start} with text gives that text;
 * {@code tool-plan-delta}, {@code content-end}, {@code tool-call-end}, citations and unknown events
 * give nothing. Not thread-safe: one per stream.
 */
final class CohereStreamTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String model;
  private final long created;
  private final boolean includeUsage;
  private String id = "";
  private int toolCalls;
  private boolean finished;

  CohereStreamTranslator(String model, long created, boolean includeUsage) {
    this.model = model;
    this.created = created;
    this.includeUsage = includeUsage;
  }

  /** Whether {@code message-end} came: the stream is complete. */
  boolean finished() {
    return finished;
  }

  /** The chunks one event gives, often none. */
  List<ChatCompletionChunk> translate(String type, JsonNode event) {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    JsonNode message = event.path("delta").path("message");
    switch (type) {
      case "message-start" -> {
        id = event.path("id").asText("");
        chunks.add(chunk(NODES.objectNode().put("role", "assistant").put("content", ""), null));
      }
      case "content-start", "content-delta" -> {
        String text = message.path("content").path("text").asText("");
        if (!text.isEmpty()) {
          chunks.add(chunk(NODES.objectNode().put("content", text), null));
        }
      }
      case "tool-call-start" -> {
        JsonNode call = message.path("tool_calls");
        ObjectNode delta = NODES.objectNode();
        ObjectNode opening = delta.putArray("tool_calls").addObject().put("index", toolCalls++);
        opening.put("id", call.path("id").asText()).put("type", "function");
        opening
            .putObject("function")
            .put("name", call.at("/function/name").asText())
            .put("arguments", call.at("/function/arguments").asText(""));
        chunks.add(chunk(delta, null));
      }
      case "tool-call-delta" -> {
        String arguments = message.at("/tool_calls/function/arguments").asText("");
        if (!arguments.isEmpty() && toolCalls > 0) {
          ObjectNode delta = NODES.objectNode();
          ObjectNode fragment =
              delta.putArray("tool_calls").addObject().put("index", toolCalls - 1);
          fragment.putObject("function").put("arguments", arguments);
          chunks.add(chunk(delta, null));
        }
      }
      case "message-end" -> {
        finished = true;
        JsonNode end = event.path("delta");
        chunks.add(
            chunk(
                NODES.objectNode(),
                CohereResponseTranslator.finishReason(end.path("finish_reason").asText(null))));
        if (includeUsage) {
          ObjectNode last = envelope();
          last.putArray("choices");
          last.set("usage", CohereResponseTranslator.usage(end.path("usage")));
          chunks.add(WireJson.convert(last, ChatCompletionChunk.class));
        }
      }
      default -> {} // tool-plan-delta, content-end, tool-call-end, citation-start/-end, debug
    }
    return chunks;
  }

  private ObjectNode envelope() {
    return NODES
        .objectNode()
        .put("id", id)
        .put("object", "chat.completion.chunk")
        .put("created", created)
        .put("model", model);
  }

  private ChatCompletionChunk chunk(ObjectNode delta, String finishReason) {
    ObjectNode chunk = envelope();
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason);
    return WireJson.convert(chunk, ChatCompletionChunk.class);
  }
}
