package dev.switchboard.engine.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A chat completion stream as Anthropic's Messages stream
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming), read one chunk at a time: at
 * the first chunk {@code message_start} (its usage a placeholder, as Anthropic's first output count
 * is); each run of reasoning, text or one tool call's fragments a block of its own, opened with
 * {@code content_block_start} (then a {@code ping} after the first), fed with {@code
 * thinking_delta}, {@code text_delta} or {@code input_json_delta}, and closed with {@code
 * content_block_stop} before the next opens, indexes counting blocks from 0; parallel tool calls
 * are one block each. At the chat stream's end: {@code message_delta} with the stop reason and the
 * usage (input, cache and output tokens, from the usage chunk the chat request asked for), then
 * {@code message_stop}. A failure of the chat stream ends this one with the same failure, which the
 * server writes as Anthropic's {@code error} event. Not thread-safe: one reader.
 */
final class MessagesStream implements ResponseStream<SseEvent> {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private enum Block {
    THINKING,
    TEXT,
    TOOL_USE
  }

  private final ResponseStream<ChatCompletionChunk> chunks;
  private final JsonNode stops;
  private final List<Map.Entry<String, String>> headers;
  private final ArrayDeque<SseEvent> pending = new ArrayDeque<>();
  private final Map<Integer, Integer> blockByToolCall = new HashMap<>();
  private boolean started;
  private boolean pinged;
  private boolean over;
  private Block open;
  private int openIndex = -1;
  private int blocks;
  private String finishReason;
  private String stopSequence;
  private Usage usage;

  /**
   * @param stops the request's {@code stop_sequences}, to tell which one ended the answer
   * @param headers the response headers to give, the chat stream's and the bridge's
   */
  MessagesStream(
      ResponseStream<ChatCompletionChunk> chunks,
      JsonNode stops,
      List<Map.Entry<String, String>> headers) {
    this.chunks = chunks;
    this.stops = stops;
    this.headers = List.copyOf(headers);
  }

  @Override
  public List<Map.Entry<String, String>> headers() {
    return headers;
  }

  @Override
  public SseEvent next() {
    while (pending.isEmpty() && !over) {
      ChatCompletionChunk chunk = chunks.next();
      if (chunk == null) {
        end();
      } else {
        translate(chunk);
      }
    }
    return pending.poll();
  }

  @Override
  public void close() {
    over = true;
    chunks.close();
  }

  private void translate(ChatCompletionChunk chunk) {
    if (!started) {
      started = true;
      ObjectNode message = NODES.objectNode();
      message.put("id", MessagesAnswer.messageId(chunk.id()));
      message.put("type", "message");
      message.put("role", "assistant");
      message.put("model", chunk.model());
      message.putArray("content");
      message.putNull("stop_reason");
      message.putNull("stop_sequence");
      ObjectNode placeholder = MessagesAnswer.usage(null);
      placeholder.put("output_tokens", 1);
      message.set("usage", placeholder);
      emit("message_start", event("message_start").set("message", message));
    }
    if (chunk.usage() != null) {
      usage = chunk.usage();
    }
    for (ChatCompletionChunk.Choice choice : chunk.choices()) {
      if (choice.index() != null && choice.index() != 0) {
        continue; // Messages has one answer
      }
      ChatCompletionChunk.Delta delta = choice.delta();
      if (delta != null) {
        JsonNode extras = WireJson.mapper().valueToTree(delta.extras());
        String reasoning = MessagesAnswer.reasoningOf(extras);
        if (reasoning != null && !reasoning.isEmpty()) {
          open(
              Block.THINKING,
              NODES.objectNode().put("type", "thinking").put("thinking", "").put("signature", ""));
          delta("thinking_delta", "thinking", reasoning);
        }
        if (delta.content() != null && !delta.content().isEmpty()) {
          open(Block.TEXT, NODES.objectNode().put("type", "text").put("text", ""));
          delta("text_delta", "text", delta.content());
        }
        if (delta.toolCalls() != null) {
          delta.toolCalls().forEach(this::toolCall);
        }
      }
      if (choice.finishReason() != null) {
        finishReason = choice.finishReason();
        JsonNode said = choice.extras().get("stop_reason");
        if (said != null) {
          stopSequence =
              MessagesAnswer.stopSequence(NODES.objectNode().set("stop_reason", said), stops);
        }
      }
    }
  }

  private void toolCall(ToolCall call) {
    int callIndex = call.index() == null ? 0 : call.index();
    Integer block = blockByToolCall.get(callIndex);
    if (block == null) {
      ObjectNode start = NODES.objectNode().put("type", "tool_use");
      start.put(
          "id", MessagesAnswer.toolUseId(call.id() == null ? "call_" + callIndex : call.id()));
      start.put("name", call.function() == null ? "" : call.function().name());
      start.putObject("input");
      closeOpen();
      open(Block.TOOL_USE, start);
      blockByToolCall.put(callIndex, openIndex);
      block = openIndex;
    }
    String arguments = call.function() == null ? null : call.function().arguments();
    if (arguments != null && !arguments.isEmpty()) {
      ObjectNode event = event("content_block_delta").put("index", block);
      event.putObject("delta").put("type", "input_json_delta").put("partial_json", arguments);
      emit("content_block_delta", event);
    }
  }

  /** Opens a block of this kind unless the one open is of it (a tool call's is its own). */
  private void open(Block kind, ObjectNode contentBlock) {
    if (open == kind && kind != Block.TOOL_USE) {
      return;
    }
    closeOpen();
    open = kind;
    openIndex = blocks++;
    ObjectNode start = event("content_block_start").put("index", openIndex);
    start.set("content_block", contentBlock);
    emit("content_block_start", start);
    if (!pinged) {
      pinged = true;
      emit("ping", event("ping"));
    }
  }

  private void closeOpen() {
    if (open != null) {
      emit("content_block_stop", event("content_block_stop").put("index", openIndex));
      open = null;
    }
  }

  private void delta(String type, String field, String value) {
    ObjectNode event = event("content_block_delta").put("index", openIndex);
    event.putObject("delta").put("type", type).put(field, value);
    emit("content_block_delta", event);
  }

  private void end() {
    over = true;
    if (!started) {
      return; // a chat stream with no chunk: nothing to say
    }
    closeOpen();
    ObjectNode delta = event("message_delta");
    delta
        .putObject("delta")
        .put("stop_reason", MessagesAnswer.stopReason(finishReason, stopSequence))
        .put("stop_sequence", stopSequence);
    delta.set("usage", MessagesAnswer.usage(usage));
    emit("message_delta", delta);
    emit("message_stop", event("message_stop"));
  }

  private static ObjectNode event(String type) {
    return NODES.objectNode().put("type", type);
  }

  private void emit(String type, ObjectNode data) {
    pending.add(new SseEvent(type, data.toString(), null));
  }
}
