package dev.switchboard.engine.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Responses API request (https://platform.openai.com/docs/api-reference/responses/create) as the
 * chat completion request that asks the same, for a provider that does not speak the Responses API.
 *
 * <p>What cannot be carried follows one rule (docs/agents.md): what carries meaning the chat
 * request cannot keep (a stored conversation, a prompt template, a file, an item of an unknown
 * type, a forced built-in tool) is refused with a 400 that names it; what the provider cannot take
 * but the conversation keeps its meaning without (a reasoning item, OpenAI's own and encrypted; a
 * hosted tool offered among others; an {@code include} the answer cannot carry) is left out, each
 * kind named once in the answer's {@value #DROPPED_HEADER} header, as the Messages API's bridge
 * names its own; hints that change nothing of the answer's meaning (a prompt cache key, a service
 * tier, {@code text.verbosity}, {@code client_metadata}) are left out unnamed. A custom tool
 * becomes a function tool that takes one string, {@code input}, and its calls become custom tool
 * calls again on the way back; a {@code namespace} of tools offers its tools, and so does an {@code
 * additional_tools} input item (Codex's way to offer tools part-way through the input).
 *
 * @param chat the chat request
 * @param dropped the kinds of what was left out, in the API's own words ({@code reasoning}, {@code
 *     web_search}, {@code reasoning.encrypted_content}), each once, in order
 * @param customTools the names of the custom tools offered, whose calls are answered as custom tool
 *     calls
 */
record ResponsesRequest(ChatRequest chat, List<String> dropped, Set<String> customTools) {
  /** The response header that names what was left out of the request. */
  static final String DROPPED_HEADER = "x-switchboard-dropped";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Request fields translated into the chat request, or echoed in the answer. */
  private static final Set<String> CARRIED =
      Set.of(
          "model",
          "input",
          "instructions",
          "tools",
          "tool_choice",
          "parallel_tool_calls",
          "text",
          "reasoning",
          "max_output_tokens",
          "metadata",
          "temperature",
          "top_p",
          "user",
          "stream",
          "store");

  /** Hints that change nothing of the answer's meaning: left out unnamed. */
  private static final Set<String> HINTS =
      Set.of(
          "prompt_cache_key",
          "safety_identifier",
          "service_tier",
          "client_metadata",
          "stream_options");

  /** What the answer cannot carry or the provider cannot hold to: left out, and named. */
  private static final Set<String> DROPPABLE = Set.of("max_tool_calls", "top_logprobs");

  /** Meaning the chat request cannot keep: refused until a stage serves it. */
  private static final Map<String, String> REFUSED =
      Map.of(
          "previous_response_id",
          "a stored response to continue from",
          "conversation",
          "a stored conversation",
          "prompt",
          "a stored prompt template");

  /** Built-in tools the provider cannot run: left out when offered, refused when forced. */
  private static final Set<String> BUILT_IN_TOOLS =
      Set.of(
          "web_search",
          "web_search_preview",
          "web_search_preview_2025_03_11",
          "file_search",
          "computer_use_preview",
          "code_interpreter",
          "image_generation",
          "mcp",
          "local_shell",
          "tool_search");

  /**
   * Translates {@code request} for the provider named {@code provider} (named in refusals).
   *
   * @throws InvalidRequestException naming the field, for what cannot be carried (above) or is not
   *     valid
   */
  static ResponsesRequest of(ObjectNode request, String provider) {
    Builder builder = new Builder(provider);
    return builder.translate(request);
  }

  private static final class Builder {
    private final String provider;
    private final Set<String> dropped = new LinkedHashSet<>();
    private final Set<String> customTools = new LinkedHashSet<>();
    private final ArrayNode messages = NODES.arrayNode();
    // The chat function tools: those of the request's tools and of its additional_tools items.
    private final ArrayNode functions = NODES.arrayNode();
    // The assistant message the next function_call item joins, while nothing else came after it.
    private ObjectNode openAssistant;

    Builder(String provider) {
      this.provider = provider;
    }

    ResponsesRequest translate(ObjectNode request) {
      ObjectNode chat = NODES.objectNode();
      for (Map.Entry<String, JsonNode> field : request.properties()) {
        String name = field.getKey();
        if (REFUSED.containsKey(name) && !field.getValue().isNull()) {
          throw refused(name, REFUSED.get(name) + " is not kept by the gateway yet");
        }
        if (name.equals("background") && field.getValue().asBoolean(false)) {
          throw refused(name, "a background response is not kept by the gateway yet");
        }
        if (DROPPABLE.contains(name) && !field.getValue().isNull()) {
          dropped.add(name);
        } else if (name.equals("include")) {
          field.getValue().forEach(asked -> dropped.add(asked.asText()));
        } else if (name.equals("truncation")) {
          if (field.getValue().asText("disabled").equals("auto")) {
            dropped.add("truncation");
          }
        } else if (!CARRIED.contains(name)
            && !HINTS.contains(name)
            && !ProviderOwnFields.owns(provider, name)
            && !REFUSED.containsKey(name)
            && !name.equals("background")) {
          throw new InvalidRequestException("Unknown parameter: '" + name + "'.", name, null);
        }
      }
      copy(request, "model", chat, "model");
      JsonNode instructions = request.path("instructions");
      if (instructions.isTextual()) {
        messages.addObject().put("role", "system").put("content", instructions.asText());
      } else if (!instructions.isMissingNode() && !instructions.isNull()) {
        throw invalidType("instructions", "a string", instructions);
      }
      input(request.path("input"));
      chat.set("messages", messages);
      tools(request.path("tools"));
      if (!functions.isEmpty()) {
        chat.set("tools", functions);
      }
      toolChoice(request.path("tool_choice"), chat);
      copy(request, "parallel_tool_calls", chat, "parallel_tool_calls");
      text(request.path("text"), chat);
      reasoning(request.path("reasoning"), chat);
      copy(request, "max_output_tokens", chat, "max_tokens");
      copy(request, "temperature", chat, "temperature");
      copy(request, "top_p", chat, "top_p");
      copy(request, "user", chat, "user");
      if (request.path("stream").asBoolean(false)) {
        chat.put("stream", true);
        // The usage comes last in a chat stream only when asked; the Responses answer needs it.
        chat.putObject("stream_options").put("include_usage", true);
      }
      ProviderOwnFields.carry(provider, request, chat);
      ChatRequest translated;
      try {
        translated = WireJson.convert(chat, ChatRequest.class);
      } catch (WireFormatException e) {
        throw new InvalidRequestException(
            "The request cannot be read as a chat request: " + e.getMessage(), null, e);
      }
      return new ResponsesRequest(translated, List.copyOf(dropped), Set.copyOf(customTools));
    }

    private void input(JsonNode input) {
      if (input.isTextual()) {
        messages.addObject().put("role", "user").put("content", input.asText());
        return;
      }
      if (!input.isArray()) {
        throw input.isMissingNode()
            ? new InvalidRequestException("Missing required parameter: 'input'.", "input", null)
            : invalidType("input", "a string or an array of input items", input);
      }
      for (int i = 0; i < input.size(); i++) {
        item(input.get(i), "input[" + i + "]");
      }
    }

    private void item(JsonNode item, String path) {
      if (!item.isObject()) {
        throw invalidType(path, "an object", item);
      }
      String type = item.path("type").asText(item.has("role") ? "message" : "");
      switch (type) {
        case "message" -> message(item, path);
        case "function_call" ->
            toolCall(
                item,
                path,
                required(item, "name", path).asText(),
                required(item, "arguments", path).asText());
        case "custom_tool_call" -> {
          ObjectNode arguments = NODES.objectNode();
          arguments.set("input", required(item, "input", path));
          toolCall(item, path, required(item, "name", path).asText(), arguments.toString());
        }
        case "function_call_output", "custom_tool_call_output" -> toolResult(item, path);
        // Tools offered from this point of the conversation on; a chat request has one tool list.
        case "additional_tools" -> {
          JsonNode tools = item.path("tools");
          if (!tools.isArray()) {
            throw invalidType(path + ".tools", "an array of tools", tools);
          }
          offer(tools, path + ".tools", functions);
        }
        // The model's own reasoning, opaque (encrypted) and meaningful only to OpenAI's models.
        case "reasoning" -> dropped.add("reasoning");
        default ->
            throw new InvalidRequestException(
                "Invalid value for '"
                    + path
                    + ".type': "
                    + (type.isEmpty() ? "an item needs a type" : "'" + type + "'")
                    + " is not an input item the "
                    + provider
                    + " provider can take through the Responses API.",
                path + ".type",
                null);
      }
    }

    private void message(JsonNode item, String path) {
      String role = item.path("role").asText("");
      JsonNode content = item.path("content");
      switch (role) {
        case "user" -> {
          ObjectNode message = messages.addObject().put("role", "user");
          message.set("content", userContent(content, path + ".content"));
          openAssistant = null;
        }
        case "system", "developer" -> {
          // Every chat translation takes a system message; not every one a developer message.
          messages
              .addObject()
              .put("role", "system")
              .put("content", text(content, path + ".content"));
          openAssistant = null;
        }
        case "assistant" -> {
          ObjectNode message = messages.addObject().put("role", "assistant");
          message.put("content", text(content, path + ".content"));
          openAssistant = message;
        }
        default ->
            throw new InvalidRequestException(
                "Invalid value for '"
                    + path
                    + ".role': expected 'user', 'assistant', 'system' or 'developer'.",
                path + ".role",
                null);
      }
    }

    /** A user message's content: a string, or parts as chat's content parts. */
    private JsonNode userContent(JsonNode content, String path) {
      if (content.isTextual()) {
        return content;
      }
      if (!content.isArray()) {
        throw invalidType(path, "a string or an array of content parts", content);
      }
      ArrayNode parts = NODES.arrayNode();
      for (int j = 0; j < content.size(); j++) {
        JsonNode part = content.get(j);
        String at = path + "[" + j + "]";
        switch (part.path("type").asText("")) {
          case "input_text", "output_text" ->
              parts
                  .addObject()
                  .put("type", "text")
                  .put("text", required(part, "text", at).asText());
          case "input_image" -> {
            if (!part.path("image_url").isTextual()) {
              throw new InvalidRequestException(
                  "'"
                      + at
                      + "': an image is taken as an image_url (a URL or a data URL); a file_id"
                      + " needs OpenAI's file store.",
                  at + ".image_url",
                  null);
            }
            ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url");
            image.put("url", part.get("image_url").asText());
            if (part.path("detail").isTextual()) {
              image.put("detail", part.get("detail").asText());
            }
          }
          default ->
              throw new InvalidRequestException(
                  "Invalid value for '"
                      + at
                      + ".type': '"
                      + part.path("type").asText("")
                      + "' is not a content part the "
                      + provider
                      + " provider can take through the Responses API.",
                  at + ".type",
                  null);
        }
      }
      return parts;
    }

    /** The text of content that may only be text: a string, or text parts joined. */
    private static String text(JsonNode content, String path) {
      if (content.isTextual()) {
        return content.asText();
      }
      if (!content.isArray()) {
        throw invalidType(path, "a string or an array of text parts", content);
      }
      StringBuilder text = new StringBuilder();
      for (int j = 0; j < content.size(); j++) {
        JsonNode part = content.get(j);
        String type = part.path("type").asText("");
        String piece =
            switch (type) {
              case "input_text", "output_text" -> part.path("text").asText();
              case "refusal" -> part.path("refusal").asText();
              default ->
                  throw new InvalidRequestException(
                      "Invalid value for '"
                          + path
                          + "["
                          + j
                          + "].type': only text is taken in this message, not '"
                          + type
                          + "'.",
                      path + "[" + j + "].type",
                      null);
            };
        text.append(piece);
      }
      return text.toString();
    }

    private void toolCall(JsonNode item, String path, String name, String arguments) {
      if (openAssistant == null) {
        openAssistant = messages.addObject().put("role", "assistant");
        openAssistant.putNull("content");
      }
      ArrayNode calls =
          openAssistant.has("tool_calls")
              ? (ArrayNode) openAssistant.get("tool_calls")
              : openAssistant.putArray("tool_calls");
      ObjectNode call = calls.addObject();
      call.put("id", required(item, "call_id", path).asText());
      call.put("type", "function");
      call.putObject("function").put("name", name).put("arguments", arguments);
    }

    private void toolResult(JsonNode item, String path) {
      JsonNode output = required(item, "output", path);
      messages
          .addObject()
          .put("role", "tool")
          .put("tool_call_id", required(item, "call_id", path).asText())
          .put("content", text(output, path + ".output"));
      openAssistant = null;
    }

    private void tools(JsonNode tools) {
      if (tools.isMissingNode() || tools.isNull()) {
        return;
      }
      if (!tools.isArray()) {
        throw invalidType("tools", "an array of tools", tools);
      }
      offer(tools, "tools", functions);
    }

    /** Adds each of {@code tools} (at {@code path}) as a chat function tool, or drops it. */
    private void offer(JsonNode tools, String path, ArrayNode functions) {
      for (int i = 0; i < tools.size(); i++) {
        JsonNode tool = tools.get(i);
        String at = path + "[" + i + "]";
        String type = tool.path("type").asText("");
        switch (type) {
          case "namespace" -> {
            JsonNode inner = tool.path("tools");
            if (!inner.isArray()) {
              throw invalidType(at + ".tools", "an array of tools", inner);
            }
            offer(inner, at + ".tools", functions);
          }
          case "function" -> {
            ObjectNode function =
                functions.addObject().put("type", "function").putObject("function");
            function.put("name", required(tool, "name", at).asText());
            copy(tool, "description", function, "description");
            copy(tool, "parameters", function, "parameters");
            copy(tool, "strict", function, "strict");
          }
          case "custom" -> {
            String name = required(tool, "name", at).asText();
            customTools.add(name);
            ObjectNode function =
                functions.addObject().put("type", "function").putObject("function");
            function.put("name", name);
            function.put("description", customDescription(tool));
            function.set("parameters", customParameters());
          }
          default -> {
            if (!BUILT_IN_TOOLS.contains(type)) {
              throw new InvalidRequestException(
                  "Invalid value for '" + at + ".type': '" + type + "' is not a tool type.",
                  at + ".type",
                  null);
            }
            dropped.add(type);
          }
        }
      }
    }

    /**
     * A custom tool's description, and the grammar its input must follow when it has one: a
     * function's arguments cannot be held to a grammar, so the model is told it.
     */
    private static String customDescription(JsonNode tool) {
      String description = tool.path("description").asText("");
      JsonNode format = tool.path("format");
      if (format.path("type").asText("").equals("grammar")) {
        description +=
            "\n\nThe input must follow this "
                + format.path("syntax").asText("")
                + " grammar:\n"
                + format.path("definition").asText("");
      }
      return description.strip();
    }

    /** A custom tool as a function: one string, {@code input}, its freeform input. */
    static ObjectNode customParameters() {
      ObjectNode parameters = NODES.objectNode().put("type", "object");
      parameters
          .putObject("properties")
          .putObject("input")
          .put("type", "string")
          .put("description", "The tool's input, as free text.");
      parameters.putArray("required").add("input");
      parameters.put("additionalProperties", false);
      return parameters;
    }

    private void toolChoice(JsonNode choice, ObjectNode chat) {
      if (choice.isMissingNode() || choice.isNull()) {
        return;
      }
      if (choice.isTextual()) {
        chat.set("tool_choice", choice);
        return;
      }
      String type = choice.path("type").asText("");
      if (type.equals("function") || type.equals("custom")) {
        chat.putObject("tool_choice")
            .put("type", "function")
            .putObject("function")
            .put("name", required(choice, "name", "tool_choice").asText());
        return;
      }
      throw new InvalidRequestException(
          "Invalid value for 'tool_choice.type': '"
              + type
              + "' cannot be forced on the "
              + provider
              + " provider through the Responses API; choose a function or custom tool, or"
              + " 'auto', 'required' or 'none'.",
          "tool_choice.type",
          null);
    }

    private void text(JsonNode text, ObjectNode chat) {
      if (text.isMissingNode() || text.isNull()) {
        return;
      }
      JsonNode format = text.path("format");
      switch (format.path("type").asText("text")) {
        case "text" -> {}
        case "json_object" -> chat.putObject("response_format").put("type", "json_object");
        case "json_schema" -> {
          ObjectNode schema =
              chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
          copy(format, "name", schema, "name");
          copy(format, "description", schema, "description");
          copy(format, "schema", schema, "schema");
          copy(format, "strict", schema, "strict");
        }
        default ->
            throw new InvalidRequestException(
                "Invalid value for 'text.format.type': expected 'text', 'json_object' or"
                    + " 'json_schema'.",
                "text.format.type",
                null);
      }
    }

    private void reasoning(JsonNode reasoning, ObjectNode chat) {
      if (reasoning.path("effort").isTextual()) {
        // Chat's own field; each provider's translation takes it where the provider has it.
        chat.set("reasoning_effort", reasoning.get("effort"));
      }
      for (String asked : List.of("summary", "generate_summary")) {
        if (reasoning.has(asked) && !reasoning.get(asked).isNull()) {
          dropped.add("reasoning.summary");
        }
      }
    }

    private InvalidRequestException refused(String field, String why) {
      return new InvalidRequestException(
          "'" + field + "' cannot be served by the " + provider + " provider: " + why + ".",
          field,
          null);
    }
  }

  private static JsonNode required(JsonNode node, String field, String path) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new InvalidRequestException(
          "Missing required parameter: '" + path + "." + field + "'.", path + "." + field, null);
    }
    return value;
  }

  private static InvalidRequestException invalidType(String path, String expected, JsonNode got) {
    return new InvalidRequestException(
        "Invalid type for '"
            + path
            + "': expected "
            + expected
            + ", but got "
            + typeName(got)
            + " instead.",
        path,
        null);
  }

  private static void copy(JsonNode from, String field, ObjectNode to, String as) {
    JsonNode value = from.get(field);
    if (value != null && !value.isNull()) {
      to.set(as, value);
    }
  }

  /** A JSON value's type as OpenAI's errors name it. */
  private static String typeName(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "a string";
      case NUMBER -> node.isIntegralNumber() ? "an integer" : "a decimal";
      case BOOLEAN -> "a boolean";
      default -> "null";
    };
  }
}
