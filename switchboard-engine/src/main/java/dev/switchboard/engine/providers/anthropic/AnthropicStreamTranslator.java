package dev.switchboard.engine.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ToolCall;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Translates the events of an Anthropic Messages stream
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming) into OpenAI chat completion
 * chunks, one event at a time. Stateful, one per stream; pure: no HTTP, so that
 * Anthropic-on-Bedrock can feed it the same events. A {@link TranslatedStream} of an Anthropic
 * body's server-sent events (Anthropic's own, Vertex AI's {@code streamRawPredict}) is over at
 * {@code message_stop}; a body that ends before it broke off.
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
public final class AnthropicStreamTranslator
    implements TranslatedStream.Translator<SseEvent, ChatCompletionChunk> {
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
  @Override
  public boolean finished() {
    return finished;
  }

  /**
   * The chunks one server-sent event becomes, possibly none.
   *
   * @throws ProviderErrorException for an {@code error} event
   * @throws dev.switchboard.engine.errors.UpstreamFailureException for data that is not JSON
   */
  @Override
  public void translate(SseEvent event, Consumer<? super ChatCompletionChunk> out) {
    translate(event.event(), TranslatedStream.json(provider, event.data())).forEach(out);
  }

  /**
   * The chunks one event becomes, possibly none.
   *
   * @param type the event's type (its {@code event:} line, or {@code null} for its data's {@code
   *     type})
   * @param data the event's data
   * @throws ProviderErrorException for an {@code error} event
   */
  public List<ChatCompletionChunk> translate(String type, JsonNode data) {
    return translate(AnthropicStreamEvent.parse(type, data));
  }

  /**
   * The chunks one event becomes, possibly none.
   *
   * @throws ProviderErrorException for an {@code error} event
   */
  public List<ChatCompletionChunk> translate(AnthropicStreamEvent event) {
    return switch (event) {
      case AnthropicStreamEvent.MessageStart start -> {
        id = start.id();
        model = start.model();
        inputUsage = start.usage();
        yield List.of(chunk(new ChatCompletionChunk.Delta("assistant", "", null, null, null)));
      }
      case AnthropicStreamEvent.ContentBlockStart start -> blockStart(start);
      case AnthropicStreamEvent.ContentBlockDelta delta -> blockDelta(delta.index(), delta.delta());
      case AnthropicStreamEvent.MessageDelta delta -> {
        if (!delta.usage().isMissingNode()) {
          outputUsage = delta.usage();
        }
        var finish =
            new ChatCompletionChunk.Choice(
                0,
                new ChatCompletionChunk.Delta(null, null, null, null, null),
                null,
                AnthropicResponseTranslator.finishReason(
                    delta.stopReason(), strictOpenAiCompliance),
                null);
        yield List.of(chunk(List.of(finish), null));
      }
      case AnthropicStreamEvent.MessageStop stop -> {
        finished = true;
        yield includeUsage
            ? List.of(chunk(List.of(), AnthropicResponseTranslator.usage(inputUsage, outputUsage)))
            : List.of();
      }
      case AnthropicStreamEvent.Error error -> throw AnthropicErrors.streamError(provider, error);
      case AnthropicStreamEvent.ContentBlockStop stop -> List.of();
      case AnthropicStreamEvent.Ping ping -> List.of();
      case AnthropicStreamEvent.Unknown unknown -> List.of(); // event types added later
    };
  }

  private List<ChatCompletionChunk> blockStart(AnthropicStreamEvent.ContentBlockStart start) {
    JsonNode block = start.contentBlock();
    if (start.blockType().equals("tool_use")) {
      int toolIndex = toolIndexByBlock.size();
      toolIndexByBlock.put(start.index(), toolIndex);
      var call =
          new ToolCall(
              toolIndex,
              block.path("id").asText(),
              "function",
              new ToolCall.FunctionCall(block.path("name").asText(), "", null),
              null);
      return List.of(chunk(new ChatCompletionChunk.Delta(null, null, null, List.of(call), null)));
    }
    String text = start.blockType().equals("text") ? block.path("text").asText("") : "";
    if (!strictOpenAiCompliance) {
      return List.of(chunk(contentBlocks(start.index(), block, text.isEmpty() ? null : text)));
    }
    return text.isEmpty()
        ? List.of()
        : List.of(chunk(new ChatCompletionChunk.Delta(null, text, null, null, null)));
  }

  private List<ChatCompletionChunk> blockDelta(int blockIndex, AnthropicStreamEvent.Delta delta) {
    return switch (delta) {
      case AnthropicStreamEvent.Delta.TextDelta text ->
          List.of(
              chunk(
                  strictOpenAiCompliance
                      ? new ChatCompletionChunk.Delta(null, text.text(), null, null, null)
                      : contentBlocks(blockIndex, field("text", text.text()), text.text())));
      case AnthropicStreamEvent.Delta.InputJsonDelta json -> {
        Integer toolIndex = toolIndexByBlock.get(blockIndex);
        if (toolIndex == null || json.partialJson().isEmpty()) {
          yield List.of();
        }
        var call =
            new ToolCall(
                toolIndex,
                null,
                null,
                new ToolCall.FunctionCall(null, json.partialJson(), null),
                null);
        yield List.of(chunk(new ChatCompletionChunk.Delta(null, null, null, List.of(call), null)));
      }
      case AnthropicStreamEvent.Delta.ThinkingDelta thinking ->
          lenientOnly(blockIndex, field("thinking", thinking.thinking()));
      case AnthropicStreamEvent.Delta.SignatureDelta signature ->
          lenientOnly(blockIndex, field("signature", signature.signature()));
      case AnthropicStreamEvent.Delta.OtherDelta other -> lenientOnly(blockIndex, other.json());
    };
  }

  /** Portkey shows thinking and other blocks only when strict OpenAI compliance is off. */
  private List<ChatCompletionChunk> lenientOnly(int blockIndex, JsonNode fields) {
    return strictOpenAiCompliance
        ? List.of()
        : List.of(chunk(contentBlocks(blockIndex, fields, null)));
  }

  private static ObjectNode field(String name, String value) {
    return NODES.objectNode().put(name, value);
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
        ChatCompletionChunk.OBJECT,
        created,
        model,
        choices,
        usage,
        null,
        null,
        // No provider field, which Portkey adds: OpenAI's chunk has none (issue 17).
        Map.of());
  }
}
