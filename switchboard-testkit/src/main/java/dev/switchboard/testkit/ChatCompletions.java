package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;

/**
 * {@code POST /v1/chat/completions}: validates the request as OpenAI does, then answers with text,
 * with calls to the offered tools, or (with a {@code json_schema} response format) with JSON that
 * the schema accepts, as one JSON object or as a stream of chunks whose reassembly is exactly that
 * object's message (https://platform.openai.com/docs/api-reference/chat).
 */
final class ChatCompletions {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Set<String> ROLES =
      Set.of("system", "developer", "user", "assistant", "tool", "function");
  private static final int MAX_PARALLEL_TOOL_CALLS = 3;
  private static final int ARGUMENT_PIECE_LENGTH = 8;

  private final Clock clock;
  private final Queue<OpenAiChatReply> scripted;

  /** Answers at {@code clock}'s time, taking scripted answers from {@code scripted}. */
  ChatCompletions(Clock clock, Queue<OpenAiChatReply> scripted) {
    this.clock = clock;
    this.scripted = scripted;
  }

  /** What the model "says": text, or calls to tools. */
  private sealed interface Answer {
    int completionTokens();

    String finishReason();
  }

  private record Text(String content, String finishReason) implements Answer {
    @Override
    public int completionTokens() {
      return WordTokens.count(content);
    }
  }

  private record ToolCalls(List<ToolCall> calls) implements Answer {
    @Override
    public int completionTokens() {
      return calls.size();
    }

    @Override
    public String finishReason() {
      return "tool_calls";
    }
  }

  private record ToolCall(String id, String name, String arguments) {}

  /** What every chunk of one answer repeats, and the start of the completion object. */
  private record Envelope(String id, long created, String model) {
    ObjectNode start(String object) {
      return NODES
          .objectNode()
          .put("id", id)
          .put("object", object)
          .put("created", created)
          .put("model", model);
    }
  }

  Reply answer(ObjectNode request) {
    List<JsonNode> messages = validMessages(request.get("messages"));
    int n = choiceCount(request.get("n"));
    Answer answer = answerTo(request, messages);
    Usage usage = new Usage(promptTokens(messages), answer.completionTokens() * n);
    Envelope envelope =
        new Envelope(
            OpenAiIds.chatCompletion(),
            clock.instant().getEpochSecond(),
            request.get("model").asText());
    if (request.path("stream").asBoolean(false)) {
      boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
      return new Reply.EventStream(chunks(envelope, n, answer, includeUsage ? usage : null));
    }
    return Reply.Json.ok(completion(envelope, n, answer, usage));
  }

  private static List<JsonNode> validMessages(JsonNode messages) {
    if (messages == null || messages.isNull()) {
      throw ApiError.missingParameter("messages").rejection();
    }
    if (!messages.isArray()) {
      throw ApiError.invalidType("messages", "an array of objects", messages).rejection();
    }
    if (messages.isEmpty()) {
      throw ApiError.invalidRequest(
              "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an"
                  + " empty array instead.",
              "messages",
              "empty_array")
          .rejection();
    }
    List<JsonNode> valid = new ArrayList<>();
    for (JsonNode message : messages) {
      String name = "messages[" + valid.size() + "]";
      if (!message.isObject()) {
        throw ApiError.invalidType(name, "an object", message).rejection();
      }
      JsonNode role = message.get("role");
      if (role == null || role.isNull()) {
        throw ApiError.missingParameter(name + ".role").rejection();
      }
      if (!ROLES.contains(role.asText())) {
        throw ApiError.invalidRequest(
                "Invalid value: '"
                    + role.asText()
                    + "'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool',"
                    + " and 'developer'.",
                name + ".role",
                "invalid_value")
            .rejection();
      }
      if (role.asText().equals("tool") && !answersToolCalls(valid)) {
        // OpenAI's wording, spelling included.
        throw ApiError.invalidRequest(
                "Invalid parameter: messages with role 'tool' must be a response to a preceeding"
                    + " message with 'tool_calls'.",
                "messages.[" + valid.size() + "].role",
                null)
            .rejection();
      }
      valid.add(message);
    }
    return valid;
  }

  private static boolean answersToolCalls(List<JsonNode> earlier) {
    for (JsonNode message : earlier.reversed()) {
      switch (message.path("role").asText()) {
        case "tool" -> {}
        case "assistant" -> {
          return message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty();
        }
        default -> {
          return false;
        }
      }
    }
    return false;
  }

  private static int choiceCount(JsonNode n) {
    if (n == null || n.isNull()) {
      return 1;
    }
    if (!n.isIntegralNumber()) {
      throw ApiError.invalidType("n", "an integer", n).rejection();
    }
    if (n.asInt() < 1) {
      throw ApiError.belowMinimum("n", n, 1).rejection();
    }
    if (n.asInt() > 128) {
      throw ApiError.aboveMaximum("n", n, 128).rejection();
    }
    return n.asInt();
  }

  private Answer answerTo(ObjectNode request, List<JsonNode> messages) {
    OpenAiChatReply reply = scripted.poll();
    if (reply != null) {
      List<ToolCall> calls = new ArrayList<>();
      for (OpenAiChatReply.Call call : reply.calls()) {
        calls.add(
            new ToolCall(
                OpenAiIds.toolCall(calls.size() + call.name() + call.arguments()),
                call.name(),
                call.arguments()));
      }
      return new ToolCalls(calls);
    }
    JsonNode last = messages.getLast();
    List<ToolCall> calls = toolCalls(request, last);
    if (!calls.isEmpty()) {
      return new ToolCalls(calls);
    }
    JsonNode format = request.path("response_format");
    if (format.path("type").asText().equals("json_schema")) {
      // Structured Outputs: the content is JSON that the schema accepts
      // (https://platform.openai.com/docs/guides/structured-outputs).
      JsonNode schema = format.path("json_schema").path("schema");
      return new Text(SchemaSample.of(schema).toString(), "stop");
    }
    String content;
    if (last.path("role").asText().equals("tool")) {
      List<String> results = new ArrayList<>();
      for (JsonNode message : messages.reversed()) {
        if (!message.path("role").asText().equals("tool")) {
          break;
        }
        results.addFirst(text(message.path("content")));
      }
      content = "Tool results received: " + String.join("; ", results);
    } else {
      String said =
          messages.reversed().stream()
              .filter(m -> m.path("role").asText().equals("user"))
              .findFirst()
              .map(m -> text(m.path("content")))
              .orElse("");
      content = "Hello from the fake OpenAI. You said: " + said;
    }
    JsonNode limit =
        request.hasNonNull("max_completion_tokens")
            ? request.get("max_completion_tokens")
            : request.path("max_tokens");
    if (limit.isIntegralNumber() && WordTokens.count(content) > limit.asInt()) {
      return new Text(WordTokens.truncate(content, limit.asInt()), "length");
    }
    return new Text(content, "stop");
  }

  private static List<ToolCall> toolCalls(ObjectNode request, JsonNode lastMessage) {
    JsonNode choice = request.path("tool_choice");
    List<JsonNode> tools = new ArrayList<>();
    request.path("tools").forEach(tools::add);
    if (tools.isEmpty()) {
      if (!choice.isMissingNode() && !choice.isNull()) {
        throw ApiError.invalidRequest(
                "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are"
                    + " specified.",
                "tool_choice",
                null)
            .rejection();
      }
      return List.of();
    }
    if (choice.asText().equals("none") || lastMessage.path("role").asText().equals("tool")) {
      return List.of();
    }
    List<JsonNode> called;
    if (choice.path("type").asText().equals("function")) {
      String name = choice.path("function").path("name").asText();
      called =
          List.of(
              tools.stream()
                  .filter(t -> t.path("function").path("name").asText().equals(name))
                  .findFirst()
                  .orElse(
                      NODES.objectNode().set("function", NODES.objectNode().put("name", name))));
    } else if (request.path("parallel_tool_calls").asBoolean(true)) {
      called = tools.subList(0, Math.min(MAX_PARALLEL_TOOL_CALLS, tools.size()));
    } else {
      called = tools.subList(0, 1);
    }
    List<ToolCall> calls = new ArrayList<>();
    for (JsonNode tool : called) {
      String name = tool.path("function").path("name").asText();
      String arguments = sampleArguments(tool.path("function").path("parameters")).toString();
      calls.add(new ToolCall(OpenAiIds.toolCall(calls.size() + name + arguments), name, arguments));
    }
    return calls;
  }

  /** Arguments that fit the tool's JSON schema, one sample value per property. */
  static ObjectNode sampleArguments(JsonNode schema) {
    ObjectNode arguments = NODES.objectNode();
    for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
      switch (property.getValue().path("type").asText()) {
        case "string" -> arguments.put(property.getKey(), "sample");
        case "number", "integer" -> arguments.put(property.getKey(), 1);
        case "boolean" -> arguments.put(property.getKey(), true);
        default -> arguments.putNull(property.getKey());
      }
    }
    return arguments;
  }

  private static int promptTokens(List<JsonNode> messages) {
    return messages.stream().mapToInt(m -> WordTokens.count(text(m.path("content")))).sum();
  }

  /** A message's content as text: the string, or its text parts joined by spaces. */
  private static String text(JsonNode content) {
    if (!content.isArray()) {
      return content.isTextual() ? content.asText() : "";
    }
    List<String> texts = new ArrayList<>();
    for (JsonNode part : content) {
      if (part.path("type").asText().equals("text")) {
        texts.add(part.path("text").asText());
      }
    }
    return String.join(" ", texts);
  }

  /**
   * The completion object, keys in OpenAI's order
   * (https://platform.openai.com/docs/api-reference/chat/object).
   */
  private static ObjectNode completion(Envelope envelope, int n, Answer answer, Usage usage) {
    ObjectNode completion = envelope.start("chat.completion");
    ArrayNode choices = completion.putArray("choices");
    for (int index = 0; index < n; index++) {
      ObjectNode choice = choices.addObject().put("index", index);
      choice.set("message", message(answer));
      choice.putNull("logprobs");
      choice.put("finish_reason", answer.finishReason());
    }
    completion.set("usage", usage.chatJson());
    completion.put("service_tier", "default");
    completion.put("system_fingerprint", OpenAiIds.SYSTEM_FINGERPRINT);
    return completion;
  }

  /** The message: {@code tool_calls} is absent, not empty, when there are none. */
  private static ObjectNode message(Answer answer) {
    ObjectNode message = NODES.objectNode().put("role", "assistant");
    switch (answer) {
      case Text text -> message.put("content", text.content());
      case ToolCalls toolCalls -> {
        message.putNull("content");
        ArrayNode calls = message.putArray("tool_calls");
        for (ToolCall call : toolCalls.calls()) {
          ObjectNode entry = calls.addObject().put("id", call.id()).put("type", "function");
          entry.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        }
      }
    }
    message.putNull("refusal");
    message.putArray("annotations");
    return message;
  }

  /**
   * The chunks of a streamed answer, in OpenAI's order
   * (https://platform.openai.com/docs/api-reference/chat-streaming): for each choice, a first delta
   * with the role, the content or tool-call pieces, and an empty delta with the finish reason;
   * choices interleave. With {@code usage}, every chunk carries {@code "usage": null} and a last
   * chunk with no choices carries the usage.
   */
  private static List<JsonNode> chunks(Envelope envelope, int n, Answer answer, Usage usage) {
    List<ObjectNode> deltas = deltas(answer);
    List<JsonNode> chunks = new ArrayList<>();
    for (ObjectNode delta : deltas) {
      for (int index = 0; index < n; index++) {
        chunks.add(chunk(envelope, index, delta, null, usage != null));
      }
    }
    for (int index = 0; index < n; index++) {
      chunks.add(chunk(envelope, index, NODES.objectNode(), answer.finishReason(), usage != null));
    }
    if (usage != null) {
      ObjectNode last = chunkStart(envelope);
      last.putArray("choices");
      last.set("usage", usage.chatJson());
      chunks.add(last);
    }
    return chunks;
  }

  /** Every delta of one choice but the last, empty one. */
  private static List<ObjectNode> deltas(Answer answer) {
    List<ObjectNode> deltas = new ArrayList<>();
    switch (answer) {
      case Text text -> {
        deltas.add(
            NODES.objectNode().put("role", "assistant").put("content", "").putNull("refusal"));
        for (String piece : WordTokens.pieces(text.content())) {
          deltas.add(NODES.objectNode().put("content", piece));
        }
      }
      case ToolCalls toolCalls -> {
        // A single call opens in the role's delta; parallel calls follow a delta of their own.
        ObjectNode first = NODES.objectNode().put("role", "assistant").putNull("content");
        deltas.add(first);
        List<ToolCall> calls = toolCalls.calls();
        for (int index = 0; index < calls.size(); index++) {
          ToolCall call = calls.get(index);
          ObjectNode opening = NODES.objectNode().put("index", index);
          opening.put("id", call.id()).put("type", "function");
          opening.putObject("function").put("name", call.name()).put("arguments", "");
          if (calls.size() == 1) {
            first.putArray("tool_calls").add(opening);
            first.putNull("refusal");
          } else {
            deltas.add(toolCallDelta(opening));
          }
          for (String piece : argumentPieces(call.arguments())) {
            ObjectNode fragment = NODES.objectNode().put("index", index);
            fragment.putObject("function").put("arguments", piece);
            deltas.add(toolCallDelta(fragment));
          }
        }
      }
    }
    return deltas;
  }

  private static ObjectNode toolCallDelta(ObjectNode toolCall) {
    ObjectNode delta = NODES.objectNode();
    delta.putArray("tool_calls").add(toolCall);
    return delta;
  }

  /** A call's arguments in the pieces of 8 code points its deltas carry. */
  static List<String> argumentPieces(String arguments) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    while (start < arguments.length()) {
      int end =
          arguments.offsetByCodePoints(
              start,
              Math.min(ARGUMENT_PIECE_LENGTH, arguments.codePointCount(start, arguments.length())));
      pieces.add(arguments.substring(start, end));
      start = end;
    }
    return pieces;
  }

  private static ObjectNode chunk(
      Envelope envelope, int index, ObjectNode delta, String finishReason, boolean nullUsage) {
    ObjectNode chunk = chunkStart(envelope);
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", index);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason);
    if (nullUsage) {
      chunk.putNull("usage");
    }
    return chunk;
  }

  private static ObjectNode chunkStart(Envelope envelope) {
    return envelope
        .start("chat.completion.chunk")
        .put("service_tier", "default")
        .put("system_fingerprint", OpenAiIds.SYSTEM_FINGERPRINT);
  }
}
