package dev.switchboard.engine.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.WireJson;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A chat stream as the Responses API's stream of named events
 * (https://platform.openai.com/docs/api-reference/responses-streaming), in the order OpenAI sends
 * them: {@code response.created} and {@code response.in_progress}; for each output item its {@code
 * response.output_item.added}, then a reasoning item's {@code
 * response.reasoning_summary_part.added}, its {@code response.reasoning_summary_text.delta}s,
 * {@code .done} and {@code response.reasoning_summary_part.done} (the chat stream's {@code
 * reasoning_content} or {@code reasoning} deltas), a message's {@code response.content_part.added},
 * its {@code response.output_text.delta}s, {@code response.output_text.done} and {@code
 * response.content_part.done}, or a function call's {@code response.function_call_arguments.delta}s
 * and {@code .done} (a custom tool call's {@code response.custom_tool_call_input.delta} and {@code
 * .done}, its input whole: it is read from the function's JSON arguments once they are complete),
 * and its {@code response.output_item.done}; then {@code response.completed}, or {@code
 * response.incomplete} when the chat answer was cut. Each event carries its {@code
 * sequence_number}, from 0; each item its {@code output_index}, and the events of an item its
 * {@code item_id}. Parallel tool calls are items of their own, one after the other.
 *
 * <p>A failure of the chat stream is thrown on as it came (before the first event, it has its own
 * status; after, the server ends the stream with the Responses API's {@code error} event). Not
 * thread-safe: one reader.
 */
final class ResponsesEventStream implements ResponseStream<SseEvent> {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ResponseStream<ChatCompletionChunk> chunks;
  private final ResponsesObject response;
  private final Set<String> customTools;
  private final List<Map.Entry<String, String>> headers;
  private final ArrayDeque<SseEvent> pending = new ArrayDeque<>();
  private final ArrayNode output = NODES.arrayNode();
  private int sequence;
  private boolean started;
  private boolean over;
  private String finishReason;
  private JsonNode usage;

  // The output item being streamed, if any: a message, or a tool call (by its chat index).
  private Item open;

  private abstract static class Item {
    final String id;
    final int outputIndex;

    Item(String id, int outputIndex) {
      this.id = id;
      this.outputIndex = outputIndex;
    }
  }

  private static final class Message extends Item {
    final boolean refusal;
    final StringBuilder text = new StringBuilder();

    Message(int outputIndex, boolean refusal) {
      super(ResponsesObject.id("msg_"), outputIndex);
      this.refusal = refusal;
    }
  }

  private static final class Reasoning extends Item {
    final StringBuilder text = new StringBuilder();

    Reasoning(int outputIndex) {
      super(ResponsesObject.id("rs_"), outputIndex);
    }
  }

  private static final class ToolCall extends Item {
    final int chatIndex;
    final boolean custom;
    final String callId;
    final String name;
    final StringBuilder arguments = new StringBuilder();

    ToolCall(int outputIndex, int chatIndex, boolean custom, String callId, String name) {
      super(ResponsesObject.id(custom ? "ctc_" : "fc_"), outputIndex);
      this.chatIndex = chatIndex;
      this.custom = custom;
      this.callId = callId;
      this.name = name;
    }
  }

  /**
   * @param headers response headers of the translation's own, beside the provider's
   */
  ResponsesEventStream(
      ResponseStream<ChatCompletionChunk> chunks,
      ResponsesObject response,
      Set<String> customTools,
      List<Map.Entry<String, String>> headers) {
    this.chunks = chunks;
    this.response = response;
    this.customTools = customTools;
    this.headers = headers;
  }

  @Override
  public List<Map.Entry<String, String>> headers() {
    if (headers.isEmpty()) {
      return chunks.headers();
    }
    List<Map.Entry<String, String>> all = new ArrayList<>(chunks.headers());
    all.addAll(headers);
    return all;
  }

  @Override
  public SseEvent next() {
    while (pending.isEmpty() && !over) {
      // The first chunk is read before the first event: a failure then keeps its own status.
      ChatCompletionChunk chunk = chunks.next();
      if (!started) {
        started = true;
        if (chunk != null) {
          response.answeredBy(chunk.model());
        }
        ObjectNode inProgress = response.object("in_progress", NODES.arrayNode(), null, null);
        emit(event("response.created").set("response", inProgress));
        emit(event("response.in_progress").set("response", inProgress));
      }
      if (chunk == null) {
        finish();
      } else {
        add(chunk);
      }
    }
    return pending.poll();
  }

  private void add(ChatCompletionChunk chunk) {
    JsonNode json = WireJson.mapper().valueToTree(chunk);
    if (json.path("usage").isObject()) {
      usage = json.get("usage");
    }
    for (JsonNode choice : json.path("choices")) {
      if (choice.path("index").asInt(0) != 0) {
        continue; // the Responses API answers one choice
      }
      JsonNode delta = choice.path("delta");
      reasoning(MessagesAnswer.reasoningOf(delta));
      text(delta.path("content"), false);
      text(delta.path("refusal"), true);
      for (JsonNode call : delta.path("tool_calls")) {
        toolCall(call);
      }
      if (choice.path("finish_reason").isTextual()) {
        finishReason = choice.get("finish_reason").asText();
      }
    }
  }

  private void text(JsonNode piece, boolean refusal) {
    if (!piece.isTextual() || piece.asText().isEmpty()) {
      return;
    }
    if (!(open instanceof Message message && message.refusal == refusal)) {
      closeItem();
      Message message = new Message(output.size(), refusal);
      open = message;
      emit(
          event("response.output_item.added")
              .put("output_index", message.outputIndex)
              .set("item", ResponsesObject.message(message.id, "in_progress", NODES.arrayNode())));
      emit(
          part(message, "response.content_part.added")
              .set("part", ResponsesObject.part(refusal, "")));
    }
    Message message = (Message) open;
    message.text.append(piece.asText());
    ObjectNode delta =
        part(message, refusal ? "response.refusal.delta" : "response.output_text.delta")
            .put("delta", piece.asText());
    if (!refusal) {
      delta.putArray("logprobs");
    }
    emit(delta);
  }

  private void reasoning(String piece) {
    if (piece == null || piece.isEmpty()) {
      return;
    }
    if (!(open instanceof Reasoning)) {
      closeItem();
      Reasoning reasoning = new Reasoning(output.size());
      open = reasoning;
      emit(
          event("response.output_item.added")
              .put("output_index", reasoning.outputIndex)
              .set("item", ResponsesObject.reasoning(reasoning.id, null)));
      emit(
          summary(reasoning, "response.reasoning_summary_part.added")
              .set("part", ResponsesObject.summaryText("")));
    }
    Reasoning reasoning = (Reasoning) open;
    reasoning.text.append(piece);
    emit(summary(reasoning, "response.reasoning_summary_text.delta").put("delta", piece));
  }

  private void toolCall(JsonNode call) {
    int index = call.path("index").asInt(0);
    JsonNode function = call.path("function");
    if (!(open instanceof ToolCall current && current.chatIndex == index)) {
      closeItem();
      String name = function.path("name").asText("");
      ToolCall started =
          new ToolCall(
              output.size(), index, customTools.contains(name), call.path("id").asText(""), name);
      open = started;
      emit(
          event("response.output_item.added")
              .put("output_index", started.outputIndex)
              .set("item", item(started, "in_progress")));
    }
    ToolCall current = (ToolCall) open;
    String arguments = function.path("arguments").asText("");
    if (arguments.isEmpty()) {
      return;
    }
    current.arguments.append(arguments);
    if (!current.custom) {
      emit(itemEvent(current, "response.function_call_arguments.delta").put("delta", arguments));
    }
  }

  /** Ends the open item with its closing events, and adds it to the output. */
  private void closeItem() {
    Item closing = open;
    open = null;
    if (closing == null) {
      return;
    }
    String status = ResponsesObject.status(finishReason);
    ObjectNode done;
    if (closing instanceof Reasoning reasoning) {
      String text = reasoning.text.toString();
      emit(summary(reasoning, "response.reasoning_summary_text.done").put("text", text));
      emit(
          summary(reasoning, "response.reasoning_summary_part.done")
              .set("part", ResponsesObject.summaryText(text)));
      done = ResponsesObject.reasoning(reasoning.id, text);
    } else if (closing instanceof Message message) {
      String text = message.text.toString();
      ObjectNode textDone =
          part(message, message.refusal ? "response.refusal.done" : "response.output_text.done");
      if (message.refusal) {
        textDone.put("refusal", text);
      } else {
        textDone.put("text", text).putArray("logprobs");
      }
      emit(textDone);
      emit(
          part(message, "response.content_part.done")
              .set("part", ResponsesObject.part(message.refusal, text)));
      ArrayNode content = NODES.arrayNode().add(ResponsesObject.part(message.refusal, text));
      done = ResponsesObject.message(message.id, status, content);
    } else {
      ToolCall call = (ToolCall) closing;
      String arguments = call.arguments.toString();
      if (call.custom) {
        String input = ResponsesObject.customInput(arguments);
        emit(itemEvent(call, "response.custom_tool_call_input.delta").put("delta", input));
        emit(itemEvent(call, "response.custom_tool_call_input.done").put("input", input));
      } else {
        emit(itemEvent(call, "response.function_call_arguments.done").put("arguments", arguments));
      }
      done = item(call, "completed");
    }
    output.add(done);
    emit(
        event("response.output_item.done")
            .put("output_index", closing.outputIndex)
            .set("item", done));
  }

  private void finish() {
    closeItem();
    over = true;
    String status = ResponsesObject.status(finishReason);
    emit(
        event("response." + status)
            .set(
                "response",
                response.object(status, output, finishReason, ResponsesObject.usage(usage))));
  }

  private static ObjectNode item(ToolCall call, String status) {
    return ResponsesObject.toolCall(
        call.custom,
        call.id,
        status,
        call.callId,
        call.name,
        status.equals("completed") ? call.arguments.toString() : "");
  }

  private ObjectNode event(String type) {
    return NODES.objectNode().put("type", type).put("sequence_number", sequence);
  }

  private ObjectNode itemEvent(Item item, String type) {
    return event(type).put("item_id", item.id).put("output_index", item.outputIndex);
  }

  private ObjectNode summary(Reasoning reasoning, String type) {
    return itemEvent(reasoning, type).put("summary_index", 0);
  }

  private ObjectNode part(Message message, String type) {
    return itemEvent(message, type).put("content_index", 0);
  }

  private void emit(ObjectNode event) {
    sequence++;
    pending.add(new SseEvent(event.path("type").asText(), event.toString(), null));
  }

  @Override
  public void close() {
    over = true;
    chunks.close();
  }
}
