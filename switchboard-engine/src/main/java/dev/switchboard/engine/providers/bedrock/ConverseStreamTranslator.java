package dev.switchboard.engine.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

/**
 * ConverseStream's events, one decoded frame at a time, as OpenAI chat completion chunks
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html).
 * No I/O: a {@link TranslatedStream} reads the frames from an {@link EventStreamReader}. The usage
 * comes after {@code messageStop}, so the stream is over at the body's end, which must not come
 * before {@code messageStop}.
 *
 * <p>{@code messageStart} gives the role chunk; {@code contentBlockStart} with a {@code toolUse}
 * opens a tool call on the next index, with its id and name; {@code contentBlockDelta} carries
 * text, a tool call's input, or reasoning (shown as Portkey shows it, in {@code content_blocks});
 * {@code messageStop} gives the finish reason; {@code metadata} the usage, sent as OpenAI's last
 * chunk (empty choices) when the request asked for it. An exception frame is the provider's error.
 * Not thread-safe: one stream.
 */
final class ConverseStreamTranslator
    implements TranslatedStream.Translator<Message, ChatCompletionChunk> {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String id;
  private final long created;
  private final String model;
  private final boolean includeUsage;
  private final boolean strictOpenAiCompliance;
  private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
  private int nextToolIndex;
  private boolean stopped;

  /**
   * @param strictOpenAiCompliance Portkey's {@code strict_open_ai_compliance}: off, text and
   *     reasoning deltas also come as {@code content_blocks} and the finish reason is Bedrock's
   *     own; on, reasoning is not shown
   */
  ConverseStreamTranslator(
      String id, long created, String model, boolean includeUsage, boolean strictOpenAiCompliance) {
    this.id = id;
    this.created = created;
    this.model = model;
    this.includeUsage = includeUsage;
    this.strictOpenAiCompliance = strictOpenAiCompliance;
  }

  /** Whether {@code messageStop} came: the answer is whole once the body ends. */
  @Override
  public boolean finished() {
    return stopped;
  }

  /** The {@code metadata} event, with the usage, follows {@code messageStop}: the body ends it. */
  @Override
  public boolean endsAtTerminalEvent() {
    return false;
  }

  @Override
  public void translate(Message frame, Consumer<? super ChatCompletionChunk> out) {
    translate(frame).forEach(out);
  }

  /**
   * The chunks one frame gives (none for {@code contentBlockStop} and events added after this was
   * written).
   *
   * @throws dev.switchboard.engine.errors.ProviderErrorException for an exception or error frame
   * @throws UpstreamFailureException for an event whose payload is not JSON
   */
  List<ChatCompletionChunk> translate(Message frame) {
    Map<String, HeaderValue> headers = frame.getHeaders();
    String messageType = string(headers, ":message-type");
    if ("exception".equals(messageType)) {
      throw BedrockErrors.fromStreamException(
          string(headers, ":exception-type"), frame.getPayload());
    }
    if ("error".equals(messageType)) {
      String message = string(headers, ":error-message");
      throw BedrockErrors.fromStreamException(
          string(headers, ":error-code"),
          WireJson.write(NODES.objectNode().put("message", message == null ? "" : message)));
    }
    JsonNode event;
    try {
      event = BedrockJson.parse(frame.getPayload());
    } catch (WireFormatException e) {
      throw TranslatedStream.notJson(BedrockProvider.NAME, e);
    }
    List<ChatCompletionChunk> out = new ArrayList<>(1);
    String type = string(headers, ":event-type");
    switch (type == null ? "" : type) {
      case "messageStart" ->
          out.add(chunk(delta(event.path("role").asText("assistant"), "", null, null), null));
      case "contentBlockStart" -> {
        JsonNode toolUse = event.path("start").path("toolUse");
        if (toolUse.isObject()) {
          int index = nextToolIndex++;
          toolIndexByBlock.put(event.path("contentBlockIndex").asInt(), index);
          ToolCall call =
              new ToolCall(
                  index,
                  toolUse.path("toolUseId").asText(),
                  "function",
                  new ToolCall.FunctionCall(toolUse.path("name").asText(), "", null),
                  null);
          out.add(chunk(delta(null, null, List.of(call), null), null));
        }
      }
      case "contentBlockDelta" -> contentBlockDelta(event, out);
      case "messageStop" -> {
        stopped = true;
        out.add(
            chunk(
                delta(null, null, null, null),
                ConverseResponseTranslator.finishReason(
                    event.path("stopReason").asText("end_turn"), strictOpenAiCompliance)));
      }
      case "metadata" -> {
        Usage usage = ConverseResponseTranslator.usage(event.path("usage"));
        if (includeUsage && usage != null) {
          out.add(ChatCompletionChunk.ofUsage(id, created, model, usage));
        }
      }
      default -> {
        // contentBlockStop, and events added after this was written: nothing to tell the client.
      }
    }
    return out;
  }

  private void contentBlockDelta(JsonNode event, List<ChatCompletionChunk> out) {
    JsonNode delta = event.path("delta");
    int block = event.path("contentBlockIndex").asInt();
    if (delta.has("text")) {
      String text = delta.get("text").asText();
      Map<String, JsonNode> extras =
          strictOpenAiCompliance
              ? null
              : contentBlocks(block, NODES.objectNode().put("text", text));
      out.add(chunk(delta(null, text, null, extras), null));
    } else if (delta.has("toolUse")) {
      Integer index = toolIndexByBlock.get(block);
      if (index == null) {
        // A delta for a block that never started: give it an index of its own all the same.
        index = nextToolIndex++;
        toolIndexByBlock.put(block, index);
      }
      ToolCall call =
          new ToolCall(
              index,
              null,
              null,
              new ToolCall.FunctionCall(null, delta.get("toolUse").path("input").asText(""), null),
              null);
      out.add(chunk(delta(null, null, List.of(call), null), null));
    } else if (delta.has("reasoningContent") && !strictOpenAiCompliance) {
      // With strict compliance on, reasoning is not shown, as in Portkey, and no empty chunk is
      // sent.
      JsonNode reasoning = delta.get("reasoningContent");
      ObjectNode blockDelta = NODES.objectNode();
      if (reasoning.has("text")) {
        blockDelta.put("thinking", reasoning.get("text").asText());
      }
      if (reasoning.has("signature")) {
        blockDelta.put("signature", reasoning.get("signature").asText());
      }
      if (reasoning.has("redactedContent")) {
        blockDelta.put("data", reasoning.get("redactedContent").asText());
      }
      out.add(chunk(delta(null, null, null, contentBlocks(block, blockDelta)), null));
    }
  }

  /** Portkey's {@code content_blocks} delta: {@code [{"index": block, "delta": {...}}]}. */
  private static Map<String, JsonNode> contentBlocks(int block, ObjectNode blockDelta) {
    ArrayNode blocks = NODES.arrayNode();
    ObjectNode entry = blocks.addObject();
    entry.put("index", block);
    entry.set("delta", blockDelta);
    return Map.of("content_blocks", blocks);
  }

  private static ChatCompletionChunk.Delta delta(
      String role, String content, List<ToolCall> toolCalls, Map<String, JsonNode> extras) {
    return new ChatCompletionChunk.Delta(role, content, null, toolCalls, extras);
  }

  private ChatCompletionChunk chunk(ChatCompletionChunk.Delta delta, String finishReason) {
    return ChatCompletionChunk.ofDelta(id, created, model, delta, finishReason);
  }

  /**
   * A frame header's value as text ({@code :event-type}, {@code :exception-type}), or {@code null}.
   */
  static String string(Map<String, HeaderValue> headers, String name) {
    HeaderValue value = headers.get(name);
    if (value == null) {
      return null;
    }
    try {
      return value.getString();
    } catch (RuntimeException notAString) {
      try {
        return new String(value.getByteArray(), StandardCharsets.UTF_8);
      } catch (RuntimeException notBytes) {
        return null;
      }
    }
  }
}
