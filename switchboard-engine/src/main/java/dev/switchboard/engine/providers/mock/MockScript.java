package dev.switchboard.engine.providers.mock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.Tool;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The mock's script: the request body's {@code mock_script} field (usually set by a config's {@code
 * override_params} for the mock target, so any client can use it unchanged), a list of turns. Turn
 * <i>n</i> answers the request whose messages hold <i>n</i> assistant messages, so the first
 * request of an agent loop gets turn 0, the request carrying the tool results gets turn 1, and so
 * on; past the script's end the mock answers as it does unscripted.
 *
 * <pre>{@code
 * "mock_script": [
 *   {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}},
 *                   {"name": "get_time", "arguments": {"zone": "CET"}}]},
 *   {"content": "Sunny in Paris, and it is 14:00."}
 * ]
 * }</pre>
 *
 * A turn has {@code tool_calls} (each a {@code name} among the tools offered and {@code arguments},
 * an object or a JSON string), {@code content}, or both, and optionally {@code reasoning}: the
 * model's thinking before it answers, sent as {@code reasoning_content} (as DeepSeek and other
 * reasoning models' OpenAI-compatible servers send it). An invalid script is a 400 naming the
 * field.
 */
final class MockScript {
  static final String FIELD = "mock_script";

  private MockScript() {}

  /** The scripted turn for this request, or {@code null} when there is none. */
  static Turn turn(ChatRequest request) {
    JsonNode script = request.extras().get(FIELD);
    if (script == null || script.isNull()) {
      return null;
    }
    if (!script.isArray()) {
      throw invalid(FIELD, "must be an array of turns");
    }
    List<ChatMessage> messages = request.messages() == null ? List.of() : request.messages();
    int index = (int) messages.stream().filter(m -> m instanceof ChatMessage.Assistant).count();
    for (int i = 0; i < script.size(); i++) {
      // Every turn is checked, not only the one answered: a typo in turn 2 should not wait.
      check(script.get(i), FIELD + "[" + i + "]");
    }
    if (index >= script.size()) {
      return null;
    }
    Turn turn = read(script.get(index));
    requireOffered(turn, request, index);
    return turn;
  }

  /** A scripted answer: text, tool calls, or both, and the reasoning before them or null. */
  record Turn(String content, List<ToolCall> toolCalls, String reasoning) {}

  private static void check(JsonNode turn, String path) {
    if (!turn.isObject()) {
      throw invalid(path, "must be an object with tool_calls or content");
    }
    JsonNode content = turn.get("content");
    JsonNode calls = turn.get("tool_calls");
    if (content == null && calls == null) {
      throw invalid(path, "needs tool_calls or content");
    }
    if (content != null && !content.isTextual()) {
      throw invalid(path + ".content", "must be a string");
    }
    JsonNode reasoning = turn.get("reasoning");
    if (reasoning != null && !reasoning.isTextual()) {
      throw invalid(path + ".reasoning", "must be a string");
    }
    if (calls == null) {
      return;
    }
    if (!calls.isArray() || calls.isEmpty()) {
      throw invalid(path + ".tool_calls", "must be a non-empty array of calls");
    }
    for (int i = 0; i < calls.size(); i++) {
      String at = path + ".tool_calls[" + i + "]";
      JsonNode call = calls.get(i);
      JsonNode name = call.get("name");
      if (name == null || !name.isTextual() || name.asText().isBlank()) {
        throw invalid(at + ".name", "must be the name of a tool");
      }
      JsonNode arguments = call.get("arguments");
      if (arguments != null && !arguments.isObject() && !arguments.isTextual()) {
        throw invalid(at + ".arguments", "must be an object or a JSON string");
      }
    }
  }

  private static Turn read(JsonNode turn) {
    JsonNode calls = turn.get("tool_calls");
    List<ToolCall> toolCalls = new ArrayList<>();
    if (calls != null) {
      for (int i = 0; i < calls.size(); i++) {
        JsonNode call = calls.get(i);
        JsonNode arguments = call.get("arguments");
        String json =
            arguments == null
                ? "{}"
                : arguments.isTextual() ? arguments.asText() : WireJson.writeString(arguments);
        String name = call.get("name").asText();
        toolCalls.add(ToolCall.function("call_mock_" + i + "_" + name, name, json));
      }
    }
    JsonNode content = turn.get("content");
    JsonNode reasoning = turn.get("reasoning");
    return new Turn(
        content == null ? null : content.asText(),
        toolCalls,
        reasoning == null ? null : reasoning.asText());
  }

  /**
   * Only tools the request offers may be called, with arguments their schemas name, as with a real
   * model: a script that sends {@code city} to a tool whose schema says {@code arg0} is refused,
   * rather than handing the tool a null.
   */
  private static void requireOffered(Turn turn, ChatRequest request, int turnIndex) {
    java.util.Map<String, Tool.FunctionDefinition> offered = new java.util.LinkedHashMap<>();
    if (request.tools() != null) {
      for (Tool tool : request.tools()) {
        if (tool.function() != null) {
          offered.put(tool.function().name(), tool.function());
        }
      }
    }
    for (int i = 0; i < turn.toolCalls().size(); i++) {
      String at = FIELD + "[" + turnIndex + "].tool_calls[" + i + "]";
      ToolCall call = turn.toolCalls().get(i);
      String name = call.function().name();
      Tool.FunctionDefinition tool = offered.get(name);
      if (tool == null) {
        throw invalid(
            at + ".name",
            "names '" + name + "', which is not one of the tools offered: " + offered.keySet());
      }
      JsonNode properties = tool.parameters() == null ? null : tool.parameters().get("properties");
      if (properties == null || !properties.isObject()) {
        continue;
      }
      JsonNode arguments;
      try {
        arguments = WireJson.tree(call.function().arguments());
      } catch (dev.switchboard.wire.WireFormatException notJson) {
        throw invalid(at + ".arguments", "must be a JSON object");
      }
      if (!arguments.isObject()) {
        throw invalid(at + ".arguments", "must be a JSON object");
      }
      for (String argument : (Iterable<String>) arguments::fieldNames) {
        if (!properties.has(argument)) {
          Set<String> known = new java.util.TreeSet<>();
          properties.fieldNames().forEachRemaining(known::add);
          throw invalid(
              at + ".arguments." + argument,
              "is not a parameter of tool '" + name + "', whose schema names " + known);
        }
      }
    }
  }

  private static InvalidRequestException invalid(String path, String why) {
    return new InvalidRequestException("Invalid mock_script: " + path + " " + why, path, null);
  }
}
