package dev.switchboard.engine.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

/**
 * A ConverseStream response, {@code application/vnd.amazon.eventstream} frames decoded by AWS's
 * event-stream library, as OpenAI chat completion chunks
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html).
 *
 * <p>{@code messageStart} gives the role chunk; {@code contentBlockStart} with a {@code toolUse}
 * opens a tool call on the next index, with its id and name; {@code contentBlockDelta} carries
 * text, a tool call's input, or reasoning (shown as Portkey shows it, in {@code content_blocks});
 * {@code messageStop} gives the finish reason; {@code metadata} the usage, sent as OpenAI's last
 * chunk (empty choices) when the request asked for it. An exception frame is the provider's error.
 * A stream whose body ends before {@code messageStop} broke off and says so.
 */
final class ConverseEventStream implements ResponseStream<ChatCompletionChunk> {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final UpstreamResponse response;
  private final InputStream body;
  private final String id;
  private final long created;
  private final String model;
  private final boolean includeUsage;
  private final Deque<Message> frames = new ArrayDeque<>();
  private final MessageDecoder decoder = new MessageDecoder(frames::add);
  private final Deque<ChatCompletionChunk> ready = new ArrayDeque<>();
  private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
  private final byte[] buffer = new byte[8192];
  private int nextToolIndex;
  private boolean stopped;
  private boolean over;

  ConverseEventStream(
      UpstreamResponse response, String id, long created, String model, boolean includeUsage) {
    this.response = response;
    this.body = response.body();
    this.id = id;
    this.created = created;
    this.model = model;
    this.includeUsage = includeUsage;
  }

  @Override
  public List<Map.Entry<String, String>> headers() {
    return response.headers();
  }

  @Override
  public ChatCompletionChunk next() {
    while (ready.isEmpty()) {
      if (over) {
        return null;
      }
      Message frame = nextFrame();
      if (frame == null) {
        over = true;
        response.close();
        if (!stopped) {
          throw new UpstreamFailureException(
              "bedrock", "The provider's stream ended before it was complete.", true, null);
        }
        return null;
      }
      translate(frame);
    }
    return ready.poll();
  }

  /** The next frame, reading the body as far as needed; {@code null} at the body's end. */
  private Message nextFrame() {
    try {
      while (frames.isEmpty()) {
        int n = body.read(buffer);
        if (n < 0) {
          return null;
        }
        decoder.feed(buffer, 0, n);
      }
      return frames.poll();
    } catch (IOException e) {
      over = true;
      throw response.translate(e);
    } catch (RuntimeException e) {
      // The decoder refuses a frame whose length or checksums do not add up.
      over = true;
      response.abort();
      throw new UpstreamFailureException(
          "bedrock",
          "The provider sent a malformed event-stream frame: " + e.getMessage(),
          true,
          e);
    }
  }

  private void translate(Message frame) {
    Map<String, HeaderValue> headers = frame.getHeaders();
    String messageType = string(headers, ":message-type");
    if ("exception".equals(messageType)) {
      over = true;
      response.abort();
      throw BedrockErrors.fromStreamException(
          string(headers, ":exception-type"), frame.getPayload());
    }
    if ("error".equals(messageType)) {
      over = true;
      response.abort();
      String code = string(headers, ":error-code");
      String message = string(headers, ":error-message");
      throw BedrockErrors.fromStreamException(
          code, WireJson.write(NODES.objectNode().put("message", message == null ? "" : message)));
    }
    JsonNode event;
    try {
      event = WireJson.tree(frame.getPayload());
    } catch (WireFormatException e) {
      over = true;
      response.abort();
      throw new UpstreamFailureException(
          "bedrock", "The provider sent an event that is not valid JSON.", true, e);
    }
    String type = string(headers, ":event-type");
    switch (type == null ? "" : type) {
      case "messageStart" ->
          emit(delta(event.path("role").asText("assistant"), "", null, null), null);
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
          emit(delta(null, null, List.of(call), null), null);
        }
      }
      case "contentBlockDelta" -> contentBlockDelta(event);
      case "messageStop" -> {
        stopped = true;
        emit(
            delta(null, null, null, null),
            ConverseResponseTranslator.finishReason(event.path("stopReason").asText("end_turn")));
      }
      case "metadata" -> {
        Usage usage = ConverseResponseTranslator.usage(event.path("usage"));
        if (includeUsage && usage != null) {
          ready.add(
              new ChatCompletionChunk(
                  id, "chat.completion.chunk", created, model, List.of(), usage, null, null, null));
        }
      }
      default -> {
        // contentBlockStop, and events added after this was written: nothing to tell the client.
      }
    }
  }

  private void contentBlockDelta(JsonNode event) {
    JsonNode delta = event.path("delta");
    int block = event.path("contentBlockIndex").asInt();
    if (delta.has("text")) {
      emit(delta(null, delta.get("text").asText(), null, null), null);
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
      emit(delta(null, null, List.of(call), null), null);
    } else if (delta.has("reasoningContent")) {
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
      ArrayNode blocks = NODES.arrayNode();
      ObjectNode entry = blocks.addObject();
      entry.put("index", block);
      entry.set("delta", blockDelta);
      emit(delta(null, null, null, Map.of("content_blocks", blocks)), null);
    }
  }

  private static ChatCompletionChunk.Delta delta(
      String role, String content, List<ToolCall> toolCalls, Map<String, JsonNode> extras) {
    return new ChatCompletionChunk.Delta(role, content, null, toolCalls, extras);
  }

  private void emit(ChatCompletionChunk.Delta delta, String finishReason) {
    ready.add(
        new ChatCompletionChunk(
            id,
            "chat.completion.chunk",
            created,
            model,
            List.of(new ChatCompletionChunk.Choice(0, delta, null, finishReason, null)),
            null,
            null,
            null,
            null));
  }

  private static String string(Map<String, HeaderValue> headers, String name) {
    HeaderValue value = headers.get(name);
    if (value == null) {
      return null;
    }
    try {
      return value.getString();
    } catch (RuntimeException notAString) {
      return new String(value.getByteArray(), StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    over = true;
    response.close();
  }
}
