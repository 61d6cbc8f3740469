package dev.switchboard.engine.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event of an Anthropic Messages stream, typed
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types). Events and deltas
 * added to the API later are kept whole as {@link Unknown} and {@link Delta.OtherDelta}, never
 * refused.
 */
sealed interface AnthropicStreamEvent {

  /** {@code message_start}: the message's id, model and input usage. */
  record MessageStart(String id, String model, JsonNode usage) implements AnthropicStreamEvent {}

  /** {@code content_block_start}: a block opens at {@code index}, still empty. */
  record ContentBlockStart(int index, JsonNode contentBlock) implements AnthropicStreamEvent {
    /** The block's type: {@code text}, {@code tool_use}, {@code thinking}, … */
    public String blockType() {
      return contentBlock.path("type").asText();
    }
  }

  /** {@code content_block_delta}: a piece of the block at {@code index}. */
  record ContentBlockDelta(int index, Delta delta) implements AnthropicStreamEvent {}

  /** {@code content_block_stop}. */
  record ContentBlockStop(int index) implements AnthropicStreamEvent {}

  /** {@code message_delta}: the stop reason, and the output usage so far. */
  record MessageDelta(String stopReason, String stopSequence, JsonNode usage)
      implements AnthropicStreamEvent {}

  /** {@code message_stop}: the stream is complete. */
  record MessageStop() implements AnthropicStreamEvent {}

  /** {@code ping}. */
  record Ping() implements AnthropicStreamEvent {}

  /** {@code error}: the provider failed after the stream began. */
  record Error(JsonNode data) implements AnthropicStreamEvent {}

  /** An event type this model does not know yet. */
  record Unknown(String type, JsonNode data) implements AnthropicStreamEvent {}

  /** What a {@code content_block_delta} adds. */
  sealed interface Delta {
    /** {@code text_delta}. */
    record TextDelta(String text) implements Delta {}

    /** {@code input_json_delta}: a piece of a tool call's input, as JSON text. */
    record InputJsonDelta(String partialJson) implements Delta {}

    /** {@code thinking_delta}. */
    record ThinkingDelta(String thinking) implements Delta {}

    /** {@code signature_delta}: the signature of a thinking block. */
    record SignatureDelta(String signature) implements Delta {}

    /** Any other delta ({@code citations_delta}, …), kept as sent. */
    record OtherDelta(JsonNode json) implements Delta {}
  }

  /**
   * Reads one event.
   *
   * @param type the event's name (its {@code event:} line), or {@code null} to take its data's
   *     {@code type}
   */
  static AnthropicStreamEvent parse(String type, JsonNode data) {
    String name = type != null ? type : data.path("type").asText("");
    return switch (name) {
      case "message_start" -> {
        JsonNode message = data.path("message");
        yield new MessageStart(
            message.path("id").asText(null),
            message.path("model").asText(null),
            message.path("usage"));
      }
      case "content_block_start" ->
          new ContentBlockStart(data.path("index").asInt(), data.path("content_block"));
      case "content_block_delta" ->
          new ContentBlockDelta(data.path("index").asInt(), delta(data.path("delta")));
      case "content_block_stop" -> new ContentBlockStop(data.path("index").asInt());
      case "message_delta" ->
          new MessageDelta(
              data.path("delta").path("stop_reason").asText(null),
              data.path("delta").path("stop_sequence").asText(null),
              data.path("usage"));
      case "message_stop" -> new MessageStop();
      case "ping" -> new Ping();
      case "error" -> new Error(data);
      default -> new Unknown(name, data);
    };
  }

  private static Delta delta(JsonNode delta) {
    return switch (delta.path("type").asText()) {
      case "text_delta" -> new Delta.TextDelta(delta.path("text").asText(""));
      case "input_json_delta" -> new Delta.InputJsonDelta(delta.path("partial_json").asText(""));
      case "thinking_delta" -> new Delta.ThinkingDelta(delta.path("thinking").asText(""));
      case "signature_delta" -> new Delta.SignatureDelta(delta.path("signature").asText(""));
      default -> new Delta.OtherDelta(delta);
    };
  }
}
