package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.WireJson;
import java.util.List;
import java.util.TreeMap;

/**
 * Reassembles a streamed chat completion into the message a client ends up with, as the OpenAI SDKs
 * do: content concatenated, tool calls gathered by index (id, type and name from the first
 * fragment, arguments concatenated), the finish reason and the usage.
 */
final class StreamAssembly {
  private StreamAssembly() {}

  /** {@code {"message":{...},"finish_reason":...,"usage":...}} of choice 0. */
  static ObjectNode assemble(List<String> sseData) {
    StringBuilder content = null;
    TreeMap<Integer, ObjectNode> toolCalls = new TreeMap<>();
    String role = null;
    String finish = null;
    JsonNode usage = null;
    for (String data : sseData) {
      if (data.equals("[DONE]")) {
        continue;
      }
      JsonNode chunk = WireJson.tree(data);
      if (chunk.hasNonNull("usage")) {
        usage = chunk.get("usage");
      }
      for (JsonNode choice : chunk.path("choices")) {
        JsonNode delta = choice.path("delta");
        if (delta.hasNonNull("role")) {
          role = delta.get("role").asText();
        }
        if (delta.hasNonNull("content")) {
          content =
              (content == null ? new StringBuilder() : content)
                  .append(delta.get("content").asText());
        }
        for (JsonNode fragment : delta.path("tool_calls")) {
          int index = fragment.path("index").asInt();
          ObjectNode call = toolCalls.get(index);
          if (call == null) {
            call = JsonNodeFactory.instance.objectNode();
            call.put("id", fragment.path("id").asText(null));
            call.put("type", fragment.path("type").asText(null));
            ObjectNode function = call.putObject("function");
            function.put("name", fragment.path("function").path("name").asText(null));
            function.put("arguments", "");
            toolCalls.put(index, call);
          }
          ObjectNode function = (ObjectNode) call.get("function");
          function.put(
              "arguments",
              function.get("arguments").asText()
                  + fragment.path("function").path("arguments").asText(""));
        }
        if (choice.hasNonNull("finish_reason")) {
          finish = choice.get("finish_reason").asText();
        }
      }
    }
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    ObjectNode message = result.putObject("message");
    message.put("role", role);
    String text = content == null ? null : content.toString();
    if (text == null || (text.isEmpty() && !toolCalls.isEmpty())) {
      message.putNull("content");
    } else {
      message.put("content", text);
    }
    if (!toolCalls.isEmpty()) {
      ArrayNode calls = message.putArray("tool_calls");
      toolCalls.values().forEach(calls::add);
    }
    result.put("finish_reason", finish);
    result.set("usage", usage);
    return result;
  }

  /** The same view of a non-streamed completion's choice 0. */
  static ObjectNode of(JsonNode completion) {
    JsonNode choice = completion.path("choices").path(0);
    ObjectNode result = JsonNodeFactory.instance.objectNode();
    ObjectNode message = result.putObject("message");
    message.put("role", choice.path("message").path("role").asText());
    JsonNode content = choice.path("message").path("content");
    if (content.isNull() || content.isMissingNode()) {
      message.putNull("content");
    } else {
      message.put("content", content.asText());
    }
    JsonNode calls = choice.path("message").path("tool_calls");
    if (calls.isArray() && !calls.isEmpty()) {
      ArrayNode copy = message.putArray("tool_calls");
      for (JsonNode call : calls) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("id", call.path("id").asText(null));
        c.put("type", call.path("type").asText(null));
        ObjectNode function = c.putObject("function");
        function.put("name", call.path("function").path("name").asText(null));
        function.put("arguments", call.path("function").path("arguments").asText(""));
        copy.add(c);
      }
    }
    result.put("finish_reason", choice.path("finish_reason").asText(null));
    result.set("usage", completion.get("usage"));
    return result;
  }
}
