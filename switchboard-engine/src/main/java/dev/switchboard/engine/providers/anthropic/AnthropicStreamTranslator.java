package dev.switchboard.engine.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ToolCall;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates the events of an Anthropic Messages stream
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming) into OpenAI chat completion
 * chunks, one event at a time. Stateful, one per stream; pure: no HTTP, so that
 * Anthropic-on-Bedrock can feed it the same events.
 *
 * <ul>
 *   <li>{@code message_start} → a chunk with {@code role: assistant} and empty content;
 *   <li>{@code content_block_start} of a {@code tool_use} → the call's first fragment, with its
 *       {@code id} and name; OpenAI's {@code index} counts tool calls, not content blocks;
 *   <li>{@code text_delta} → content; {@code input_json_delta} → arguments of that call;
 *   <li>{@code thinking_delta}, {@code signature_delta} → Portkey's {@code content_blocks} deltas
 *       when strict OpenAI compliance is off, nothing otherwise;
 *   <li>{@code message_delta} → the chunk with the finish reason;
 *   <li>{@code message_stop} → a usage chunk (no choices) when the client asked for one, then the
 *       end;
 *   <li>{@code ping}, {@code content_block_stop} and event types not known yet → nothing;
 *   <li>{@code error} → a {@link ProviderErrorException} with the status of its type.
 * </ul>
 */
public final class AnthropicStreamTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String provider;
  private final boolean strictOpenAiCompliance;
  private final boolean includeUsage;
  private final long created;
  private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
  private String id;
  private String model;
  private JsonNode inputUsage = MissingNode.getInstance();
  private JsonNode outputUsage = MissingNode.getInstance();
  private boolean finished;

  /**
   * @param includeUsage whether the client set {@code stream_options.include_usage}
   * @param created the chunks' {@code created} time, in seconds
   */
  public AnthropicStreamTranslator(
      String provider, boolean strictOpenAiCompliance, boolean includeUsage, long created) {
    this.provider = provider;
    this.strictOpenAiCompliance = strictOpenAiCompliance;
    this.includeUsage = includeUsage;
    this.created = created;
  }

  /** Whether {@code message_stop} arrived: the stream is complete. */
  public boolean finished() {
    return finished;
  }

  /**
   * The chunks one event becomes, possibly none.
   *
   * @param type the event's type (its {@code event:} line, or its data's {@code type})
   * @param data the event's data
   * @throws ProviderErrorException for an {@code error} event
   */
  public List<ChatCompletionChunk> translate(String type, JsonNode data) {
    return switch (type) {
      case "message_start" -> {
        JsonNode message = data.path("message");
        id = message.path("id").asText(null);
        model = message.path("model").asText(null);
        inputUsage = message.path("usage");
        yield List.of(chunk(new ChatCompletionChunk.Delta("assistant", "", null, null, null)));
      }
      case "content_block_start" ->
          blockStart(data.path("index").asInt(), data.path("content_block"));
      case "content_block_delta" -> blockDelta(data.path("index").asInt(), data.path("delta"));
      case "message_delta" -> {
        if (data.has("usage")) {
          outputUsage = data.get("usage");
        }
        String stopReason = data.path("delta").path("stop_reason").asText(null);
        var finish =
            new ChatCompletionChunk.Choice(
                0,
                new ChatCompletionChunk.Delta(null, null, null, null, null),
                null,
                AnthropicResponseTranslator.finishReason(stopReason, strictOpenAiCompliance),
                null);
        yield List.of(chunk(List.of(finish), null));
      }
      case "message_stop" -> {
        finished = true;
        yield includeUsage
            ? List.of(chunk(List.of(), AnthropicResponseTranslator.usage(inputUsage, outputUsage)))
            : List.of();
      }
      case "error" -> {
        ObjectNode error = AnthropicErrors.errorObject(data);
        throw new ProviderErrorException(
            AnthropicErrors.statusOf(error.path("type").asText(null)), provider, error, List.of());
      }
      default -> List.of(); // ping, content_block_stop, and event types added later
    };
  }

  private List<ChatCompletionChunk> blockStart(int blockIndex, JsonNode block) {
    String blockType = block.path("type").asText();
    if (blockType.equals("tool_use")) {
      int toolIndex = toolIndexByBlock.size();
      toolIndexByBlock.put(blockIndex, toolIndex);
      var call =
          new ToolCall(
              toolIndex,
              block.path("id").asText(),
              "function",
              new ToolCall.FunctionCall(block.path("name").asText(), "", null),
              null);
      return List.of(chunk(new ChatCompletionChunk.Delta(null, null, null, List.of(call), null)));
    }
    String text = blockType.equals("text") ? block.path("text").asText("") : "";
    if (!strictOpenAiCompliance) {
      return List.of(chunk(contentBlocks(blockIndex, block, text.isEmpty() ? null : text)));
    }
    return text.isEmpty()
        ? List.of()
        : List.of(chunk(new ChatCompletionChunk.Delta(null, text, null, null, null)));
  }

  private List<ChatCompletionChunk> blockDelta(int blockIndex, JsonNode delta) {
    switch (delta.path("type").asText()) {
      case "text_delta" -> {
        String text = delta.path("text").asText("");
        if (!strictOpenAiCompliance) {
          return List.of(chunk(contentBlocks(blockIndex, delta, text)));
        }
        return List.of(chunk(new ChatCompletionChunk.Delta(null, text, null, null, null)));
      }
      case "input_json_delta" -> {
        Integer toolIndex = toolIndexByBlock.get(blockIndex);
        String json = delta.path("partial_json").asText("");
        if (toolIndex == null || json.isEmpty()) {
          return List.of();
        }
        var call =
            new ToolCall(toolIndex, null, null, new ToolCall.FunctionCall(null, json, null), null);
        return List.of(chunk(new ChatCompletionChunk.Delta(null, null, null, List.of(call), null)));
      }
      default -> {
        // thinking_delta, signature_delta, citations_delta, and deltas added later
        return strictOpenAiCompliance
            ? List.of()
            : List.of(chunk(contentBlocks(blockIndex, delta, null)));
      }
    }
  }

  /** Portkey's non-strict {@code content_blocks} delta: the block or delta less its type. */
  private static ChatCompletionChunk.Delta contentBlocks(
      int blockIndex, JsonNode source, String text) {
    ObjectNode fields = source.isObject() ? ((ObjectNode) source).deepCopy() : NODES.objectNode();
    fields.remove("type");
    ObjectNode block = NODES.objectNode().put("index", blockIndex);
    block.set("delta", fields);
    return new ChatCompletionChunk.Delta(
        null, text, null, null, Map.of("content_blocks", NODES.arrayNode().add(block)));
  }

  private ChatCompletionChunk chunk(ChatCompletionChunk.Delta delta) {
    return chunk(List.of(new ChatCompletionChunk.Choice(0, delta, null, null, null)), null);
  }

  private ChatCompletionChunk chunk(
      List<ChatCompletionChunk.Choice> choices, dev.switchboard.wire.Usage usage) {
    return new ChatCompletionChunk(
        id,
        "chat.completion.chunk",
        created,
        model,
        choices,
        usage,
        null,
        null,
        Map.of("provider", TextNode.valueOf(provider)));
  }
}
