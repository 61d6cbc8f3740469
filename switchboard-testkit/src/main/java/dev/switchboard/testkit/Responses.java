package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

/**
 * {@code POST /v1/responses}, OpenAI's Responses API
 * (https://platform.openai.com/docs/api-reference/responses): answers text, or calls to the offered
 * function tools, as a response object, or as its stream of named events ({@code response.created},
 * {@code response.in_progress}, the output item, content part and text events, or each call's item
 * and argument events, then {@code response.completed}, or {@code response.incomplete} when {@code
 * max_output_tokens} cut the text), each with its {@code sequence_number}
 * (https://platform.openai.com/docs/api-reference/responses-streaming). It calls tools when an
 * {@link OpenAiChatReply} is queued (its calls), or when {@code tool_choice} is {@code required}
 * (the first tools offered, up to three, with sample arguments) or names a function (that one);
 * otherwise the text is {@code Hello from the fake OpenAI. You said: <the last user input>}, or
 * {@code Tool results received: <outputs>} when the input ends with {@code function_call_output}
 * items. Input tokens are the words of the {@code instructions} and every input text.
 */
final class Responses {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** OpenAI's least {@code max_output_tokens}. */
  private static final int MIN_OUTPUT_TOKENS = 16;

  private static final int MAX_PARALLEL_CALLS = 3;

  private final Clock clock;
  private final Queue<OpenAiChatReply> scripted;

  /** Answers at {@code clock}'s time, taking scripted calls from {@code scripted}. */
  Responses(Clock clock, Queue<OpenAiChatReply> scripted) {
    this.clock = clock;
    this.scripted = scripted;
  }

  Reply answer(ObjectNode request) {
    JsonNode input = request.path("input");
    if (!input.isMissingNode() && !input.isTextual() && !input.isArray()) {
      throw ApiError.invalidType("input", "a string or an array", input).rejection();
    }
    JsonNode cap = request.path("max_output_tokens");
    if (cap.isIntegralNumber() && cap.asInt() < MIN_OUTPUT_TOKENS) {
      throw ApiError.invalidRequest(
              "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= "
                  + MIN_OUTPUT_TOKENS
                  + ", but got "
                  + cap.asInt()
                  + " instead.",
              "max_output_tokens",
              "integer_below_min_value")
          .rejection();
    }
    List<Call> calls = calls(request);
    List<String> results = toolResults(input);
    String text =
        results.isEmpty()
            ? "Hello from the fake OpenAI. You said: " + lastUserText(input)
            : "Tool results received: " + String.join("; ", results);
    boolean cut = calls.isEmpty() && cap.isIntegralNumber() && WordTokens.count(text) > cap.asInt();
    if (cut) {
      text = WordTokens.truncate(text, cap.asInt());
    }
    int inputTokens = WordTokens.count(request.path("instructions").asText(""));
    for (String said : texts(input)) {
      inputTokens += WordTokens.count(said);
    }
    Response response =
        new Response(
            OpenAiIds.response(),
            OpenAiIds.outputMessage(),
            clock.instant().getEpochSecond(),
            request,
            text,
            calls,
            cut,
            new Usage(inputTokens, calls.isEmpty() ? WordTokens.count(text) : calls.size()));
    if (request.path("stream").asBoolean(false)) {
      return new Reply.EventStream(response.events());
    }
    return Reply.Json.ok(response.done());
  }

  /** One call of a function tool, as its output item says it. */
  private record Call(String id, String callId, String name, String arguments) {
    static Call of(int index, String name, String arguments) {
      return new Call(
          OpenAiIds.functionCall(), OpenAiIds.toolCall(index + name + arguments), name, arguments);
    }

    ObjectNode item(String status, String arguments) {
      return NODES
          .objectNode()
          .put("id", id)
          .put("type", "function_call")
          .put("status", status)
          .put("arguments", arguments)
          .put("call_id", callId)
          .put("name", name);
    }
  }

  /** The calls the answer makes: the scripted ones, or those {@code tool_choice} demands. */
  private List<Call> calls(ObjectNode request) {
    List<JsonNode> functions = new ArrayList<>();
    for (JsonNode tool : request.path("tools")) {
      if (tool.path("type").asText().equals("function")) {
        functions.add(tool);
      }
    }
    JsonNode choice = request.path("tool_choice");
    if (functions.isEmpty() || choice.asText().equals("none")) {
      return List.of();
    }
    List<Call> calls = new ArrayList<>();
    OpenAiChatReply reply = scripted.poll();
    if (reply != null) {
      for (OpenAiChatReply.Call call : reply.calls()) {
        calls.add(Call.of(calls.size(), call.name(), call.arguments()));
      }
      return calls;
    }
    List<JsonNode> called;
    if (choice.path("type").asText().equals("function")) {
      String name = choice.path("name").asText();
      called = functions.stream().filter(f -> f.path("name").asText().equals(name)).toList();
    } else if (choice.asText().equals("required")) {
      int most = request.path("parallel_tool_calls").asBoolean(true) ? MAX_PARALLEL_CALLS : 1;
      called = functions.subList(0, Math.min(most, functions.size()));
    } else {
      called = List.of();
    }
    for (JsonNode function : called) {
      String arguments = ChatCompletions.sampleArguments(function.path("parameters")).toString();
      calls.add(Call.of(calls.size(), function.path("name").asText(), arguments));
    }
    return calls;
  }

  /** The outputs of the {@code function_call_output} items the input ends with, in order. */
  private static List<String> toolResults(JsonNode input) {
    List<String> results = new ArrayList<>();
    for (JsonNode item : input.isArray() ? input : NODES.arrayNode()) {
      if (item.path("type").asText().equals("function_call_output")) {
        results.add(item.path("output").asText());
      } else if (!item.path("type").asText().equals("function_call")) {
        results.clear();
      }
    }
    return results;
  }

  /**
   * The texts of the input: the string, or each message's content strings and input texts, and each
   * tool output.
   */
  private static List<String> texts(JsonNode input) {
    List<String> texts = new ArrayList<>();
    if (input.isTextual()) {
      texts.add(input.asText());
    }
    for (JsonNode item : input.isArray() ? input : NODES.arrayNode()) {
      texts.add(item.has("output") ? item.path("output").asText() : text(item.path("content")));
    }
    return texts;
  }

  private static String lastUserText(JsonNode input) {
    if (input.isTextual()) {
      return input.asText();
    }
    String said = "";
    for (JsonNode item : input.isArray() ? input : NODES.arrayNode()) {
      boolean message = item.path("type").asText("message").equals("message");
      if (message && item.path("role").asText().equals("user")) {
        said = text(item.path("content"));
      }
    }
    return said;
  }

  private static String text(JsonNode content) {
    if (content.isTextual()) {
      return content.asText();
    }
    List<String> texts = new ArrayList<>();
    for (JsonNode part : content.isArray() ? content : NODES.arrayNode()) {
      if (part.path("type").asText().equals("input_text")) {
        texts.add(part.path("text").asText());
      }
    }
    return String.join(" ", texts);
  }

  /** One answer, as the response object at each stage and as its events. */
  private record Response(
      String id,
      String messageId,
      long createdAt,
      ObjectNode request,
      String text,
      List<Call> calls,
      boolean cut,
      Usage usage) {

    /** The response object, keys in OpenAI's order; {@code usage} only once it is done. */
    ObjectNode object(String status, JsonNode output, boolean withUsage) {
      ObjectNode response =
          NODES
              .objectNode()
              .put("id", id)
              .put("object", "response")
              .put("created_at", createdAt)
              .put("status", status);
      response.putNull("error");
      if (status.equals("incomplete")) {
        response.putObject("incomplete_details").put("reason", "max_output_tokens");
      } else {
        response.putNull("incomplete_details");
      }
      response.set(
          "instructions",
          request.path("instructions").isMissingNode()
              ? NODES.nullNode()
              : request.get("instructions"));
      response.set(
          "max_output_tokens",
          request.path("max_output_tokens").isMissingNode()
              ? NODES.nullNode()
              : request.get("max_output_tokens"));
      response.put("model", request.path("model").asText());
      response.set("output", output);
      response.put("parallel_tool_calls", true);
      response.putNull("previous_response_id");
      response.putObject("reasoning").putNull("effort").putNull("summary");
      response.put("store", request.path("store").asBoolean(true));
      response.put("temperature", 1.0);
      response.putObject("text").putObject("format").put("type", "text");
      response.set(
          "tool_choice",
          request.has("tool_choice") ? request.get("tool_choice") : NODES.textNode("auto"));
      response.set(
          "tools", request.path("tools").isArray() ? request.get("tools") : NODES.arrayNode());
      response.put("top_p", 1.0);
      response.put("truncation", "disabled");
      if (withUsage) {
        ObjectNode counts = response.putObject("usage");
        counts.put("input_tokens", usage.promptTokens());
        counts
            .putObject("input_tokens_details")
            .put("cached_tokens", 0)
            .put("cache_write_tokens", 0);
        counts.put("output_tokens", usage.completionTokens());
        counts.putObject("output_tokens_details").put("reasoning_tokens", 0);
        counts.put("total_tokens", usage.totalTokens());
      } else {
        response.putNull("usage");
      }
      response.putNull("user");
      response.set(
          "metadata",
          request.path("metadata").isObject() ? request.get("metadata") : NODES.objectNode());
      return response;
    }

    private String finalStatus() {
      return cut ? "incomplete" : "completed";
    }

    ObjectNode done() {
      ArrayNode output = NODES.arrayNode();
      if (calls.isEmpty()) {
        output.add(message(finalStatus(), text));
      }
      for (Call call : calls) {
        output.add(call.item("completed", call.arguments()));
      }
      return object(finalStatus(), output, true);
    }

    private ObjectNode message(String status, String content) {
      ObjectNode message =
          NODES
              .objectNode()
              .put("id", messageId)
              .put("type", "message")
              .put("status", status)
              .put("role", "assistant");
      ArrayNode parts = message.putArray("content");
      if (content != null) {
        parts.add(outputText(content));
      }
      return message;
    }

    private static ObjectNode outputText(String text) {
      ObjectNode part = NODES.objectNode().put("type", "output_text").put("text", text);
      part.putArray("annotations");
      return part;
    }

    List<JsonNode> events() {
      List<JsonNode> events = new ArrayList<>();
      events.add(event(events, "response.created").set("response", inProgress()));
      events.add(event(events, "response.in_progress").set("response", inProgress()));
      if (calls.isEmpty()) {
        textEvents(events);
      }
      for (int index = 0; index < calls.size(); index++) {
        callEvents(events, index, calls.get(index));
      }
      events.add(event(events, "response." + finalStatus()).set("response", done()));
      return events;
    }

    /** A call's item, its arguments in pieces and whole, and its item done. */
    private static void callEvents(List<JsonNode> events, int index, Call call) {
      events.add(
          event(events, "response.output_item.added")
              .put("output_index", index)
              .set("item", call.item("in_progress", "")));
      for (String piece : ChatCompletions.argumentPieces(call.arguments())) {
        events.add(
            event(events, "response.function_call_arguments.delta")
                .put("item_id", call.id())
                .put("output_index", index)
                .put("delta", piece));
      }
      events.add(
          event(events, "response.function_call_arguments.done")
              .put("item_id", call.id())
              .put("name", call.name())
              .put("output_index", index)
              .put("arguments", call.arguments()));
      events.add(
          event(events, "response.output_item.done")
              .put("output_index", index)
              .set("item", call.item("completed", call.arguments())));
    }

    private void textEvents(List<JsonNode> events) {
      events.add(
          event(events, "response.output_item.added")
              .put("output_index", 0)
              .set("item", message("in_progress", null)));
      events.add(part(events, "response.content_part.added").set("part", outputText("")));
      for (String piece : WordTokens.pieces(text)) {
        events.add(
            part(events, "response.output_text.delta")
                .put("delta", piece)
                .set("logprobs", NODES.arrayNode()));
      }
      events.add(
          part(events, "response.output_text.done")
              .put("text", text)
              .set("logprobs", NODES.arrayNode()));
      events.add(part(events, "response.content_part.done").set("part", outputText(text)));
      events.add(
          event(events, "response.output_item.done")
              .put("output_index", 0)
              .set("item", message(finalStatus(), text)));
    }

    private ObjectNode inProgress() {
      return object("in_progress", NODES.arrayNode(), false);
    }

    private static ObjectNode event(List<JsonNode> before, String type) {
      return NODES.objectNode().put("type", type).put("sequence_number", before.size());
    }

    private ObjectNode part(List<JsonNode> before, String type) {
      return event(before, type)
          .put("item_id", messageId)
          .put("output_index", 0)
          .put("content_index", 0);
    }
  }
}
