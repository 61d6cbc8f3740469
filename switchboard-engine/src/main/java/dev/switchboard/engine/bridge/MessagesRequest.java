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
import java.util.Set;

/**
 * An Anthropic Messages request (https://docs.anthropic.com/en/api/messages) as the chat request
 * that asks the same, for a provider that does not speak Messages, and what of it the provider
 * cannot take and was left out ({@link #dropped()}, told to the client in {@value
 * MessagesOverChat#DROPPED_HEADER}). Pure: no HTTP.
 *
 * <ul>
 *   <li>{@code system} (a string or text blocks, joined by a blank line) → a system message;
 *   <li>each message's text and {@code image} blocks (base64 or url sources) → text and {@code
 *       image_url} parts; an assistant's {@code tool_use} blocks → one assistant message with every
 *       call; a user's {@code tool_result} blocks → one {@code tool} message each, in order, text
 *       only ({@code is_error} said as an {@code Error:} prefix);
 *   <li>{@code tools} → function tools ({@code input_schema} as {@code parameters}); {@code
 *       tool_choice} auto / any / tool / none → auto / required / the named function / none, and
 *       {@code disable_parallel_tool_use} → {@code parallel_tool_calls: false};
 *   <li>{@code max_tokens} → {@code max_completion_tokens} (which each provider's chat translation
 *       renames where its API wants {@code max_tokens}), {@code stop_sequences} → {@code stop},
 *       {@code temperature}, {@code top_p}, {@code metadata.user_id} → {@code user}, {@code stream}
 *       (with usage asked for); {@code top_k} and {@code thinking} where the provider has them;
 *   <li>{@code cache_control} on any block is a hint only Anthropic acts on: left out, not listed.
 * </ul>
 *
 * <p>What is left out and listed: signed {@code thinking} and {@code redacted_thinking} blocks of
 * the history (only Anthropic can check their signatures), images inside a tool result, Anthropic's
 * server tools ({@code web_search_…}, {@code bash_…}), {@code top_k} and {@code thinking} for a
 * provider without them, and top-level fields the chat API has no counterpart for. A block of an
 * unknown type, a bad role or a missing required field is refused with a 400 that names it.
 */
final class MessagesRequest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Top-level fields read below; any other is left out and listed. */
  private static final Set<String> READ =
      Set.of(
          "model",
          "messages",
          "system",
          "max_tokens",
          "stop_sequences",
          "temperature",
          "top_p",
          "top_k",
          "metadata",
          "thinking",
          "stream",
          "tools",
          "tool_choice",
          "output_config");

  /** Top-level fields that change nothing of the answer's meaning: left out, not listed. */
  private static final Set<String> HINTS = Set.of("cache_control", "service_tier");

  /** Providers whose chat translation reads {@code top_k}. */
  private static final Set<String> TOP_K = Set.of("google", "vertex-ai", "cohere");

  /** Providers whose chat translation reads Anthropic's {@code thinking} as it is. */
  private static final Set<String> THINKING = Set.of("google", "vertex-ai");

  /** Providers that take OpenAI's {@code reasoning_effort} for their reasoning models. */
  private static final Set<String> REASONING_EFFORT = Set.of("openai", "azure-openai");

  private final ChatRequest chat;
  private final Set<String> dropped = new LinkedHashSet<>();

  private MessagesRequest(ObjectNode body, String provider) {
    this.chat = translate(body, provider);
  }

  /**
   * @param body the client's {@code /v1/messages} body
   * @param provider the name of the provider the chat request goes to
   * @throws InvalidRequestException naming the field that is missing or not valid
   */
  static MessagesRequest of(ObjectNode body, String provider) {
    return new MessagesRequest(body, provider);
  }

  /** The chat request. */
  ChatRequest chat() {
    return chat;
  }

  /** The kinds of items left out, each once, in the order met. */
  List<String> dropped() {
    return List.copyOf(dropped);
  }

  private ChatRequest translate(ObjectNode body, String provider) {
    ObjectNode chat = NODES.objectNode();
    JsonNode model = body.path("model");
    if (!model.isTextual() || model.asText().isBlank()) {
      throw invalid("model: Field required", "model");
    }
    chat.put("model", model.asText());
    ArrayNode messages = chat.putArray("messages");
    system(body.get("system"), messages, "system");
    JsonNode asked = body.get("messages");
    if (asked == null || !asked.isArray()) {
      throw invalid("messages: Input should be a valid list", "messages");
    }
    for (int i = 0; i < asked.size(); i++) {
      message(asked.get(i), "messages[" + i + "]", messages);
    }
    JsonNode maxTokens = body.get("max_tokens");
    if (maxTokens == null || !maxTokens.canConvertToInt() || maxTokens.asInt() < 1) {
      throw invalid("max_tokens: Field required, a positive integer", "max_tokens");
    }
    chat.put("max_completion_tokens", maxTokens.asInt());
    JsonNode stops = body.get("stop_sequences");
    if (stops != null && !stops.isNull()) {
      if (!stops.isArray()) {
        throw invalid("stop_sequences: Input should be a valid list", "stop_sequences");
      }
      if (!stops.isEmpty()) {
        chat.set("stop", stops);
      }
    }
    copyNumber(body, "temperature", chat);
    copyNumber(body, "top_p", chat);
    JsonNode topK = body.get("top_k");
    if (topK != null && !topK.isNull()) {
      if (TOP_K.contains(provider)) {
        chat.set("top_k", topK);
      } else {
        dropped.add("top_k");
      }
    }
    JsonNode user = body.path("metadata").path("user_id");
    if (user.isTextual()) {
      chat.put("user", user.asText());
    }
    thinking(body.get("thinking"), provider, model.asText(), chat);
    effort(body.get("output_config"), provider, model.asText(), chat);
    tools(body.get("tools"), chat);
    toolChoice(body.get("tool_choice"), chat);
    if (body.path("stream").asBoolean(false)) {
      chat.put("stream", true);
      chat.putObject("stream_options").put("include_usage", true);
    }
    body.fieldNames()
        .forEachRemaining(name -> {
          if (!READ.contains(name)
              && !HINTS.contains(name)
              && !ProviderOwnFields.owns(provider, name)) {
            dropped.add(name);
          }
        });
    ProviderOwnFields.carry(provider, body, chat);
    try {
      return WireJson.convert(chat, ChatRequest.class);
    } catch (WireFormatException e) {
      throw new InvalidRequestException(
          "The request cannot be sent as a chat completion: " + e.getMessage(), null, e);
    }
  }

  /** A system prompt, a string or text blocks, as one system message; {@code at} names it. */
  private static void system(JsonNode system, ArrayNode messages, String at) {
    if (system == null || system.isNull()) {
      return;
    }
    String text;
    if (system.isTextual()) {
      text = system.asText();
    } else if (system.isArray()) {
      StringBuilder joined = new StringBuilder();
      for (int i = 0; i < system.size(); i++) {
        JsonNode block = system.get(i);
        if (!"text".equals(block.path("type").asText()) || !block.path("text").isTextual()) {
          throw invalid("%s.%d: Input should be a text block".formatted(at, i), at + "[" + i + "]");
        }
        if (!joined.isEmpty()) {
          joined.append("\n\n");
        }
        joined.append(block.get("text").asText());
      }
      text = joined.toString();
    } else {
      throw invalid(at + ": Input should be a string or a list of text blocks", at);
    }
    messages.addObject().put("role", "system").put("content", text);
  }

  private void message(JsonNode message, String at, ArrayNode messages) {
    String role = message.path("role").asText("");
    if (role.equals("system")) {
      // Claude Code's per-turn system messages (a beta): a system message in place.
      system(message.get("content"), messages, at + ".content");
      return;
    }
    if (!role.equals("user") && !role.equals("assistant")) {
      throw invalid(at + ".role: Input should be 'user', 'assistant' or 'system'", at + ".role");
    }
    JsonNode content = message.get("content");
    if (content != null && content.isTextual()) {
      messages.addObject().put("role", role).put("content", content.asText());
      return;
    }
    if (content == null || !content.isArray()) {
      throw invalid(at + ".content: Input should be a string or a list of blocks", at + ".content");
    }
    if (role.equals("assistant")) {
      assistant(content, at + ".content", messages);
    } else {
      user(content, at + ".content", messages);
    }
  }

  private void assistant(JsonNode blocks, String at, ArrayNode messages) {
    StringBuilder text = new StringBuilder();
    ArrayNode calls = NODES.arrayNode();
    for (int i = 0; i < blocks.size(); i++) {
      JsonNode block = blocks.get(i);
      String where = at + "[" + i + "]";
      switch (block.path("type").asText("")) {
        case "text" -> text.append(textOf(block, where));
        case "tool_use" -> {
          JsonNode input = block.get("input");
          if (!block.path("id").isTextual() || !block.path("name").isTextual()) {
            throw invalid(where + ": a tool_use block needs an id and a name", where);
          }
          ObjectNode call = calls.addObject().put("id", block.get("id").asText());
          call.put("type", "function");
          call.putObject("function")
              .put("name", block.get("name").asText())
              .put("arguments", input == null || input.isNull() ? "{}" : input.toString());
        }
        case "thinking", "redacted_thinking" -> dropped.add(block.get("type").asText());
        default -> throw unknownBlock(block, where);
      }
    }
    ObjectNode assistant = messages.addObject().put("role", "assistant");
    if (text.isEmpty() && !calls.isEmpty()) {
      assistant.putNull("content");
    } else {
      assistant.put("content", text.toString());
    }
    if (!calls.isEmpty()) {
      assistant.set("tool_calls", calls);
    }
  }

  private void user(JsonNode blocks, String at, ArrayNode messages) {
    ArrayNode parts = NODES.arrayNode();
    for (int i = 0; i < blocks.size(); i++) {
      JsonNode block = blocks.get(i);
      String where = at + "[" + i + "]";
      switch (block.path("type").asText("")) {
        case "text" -> parts.addObject().put("type", "text").put("text", textOf(block, where));
        case "image" -> parts.add(image(block, where));
        case "tool_result" -> {
          // The user's parts before a result stay before it: the order is the conversation's.
          flushUser(parts, messages);
          parts = NODES.arrayNode();
          messages.add(toolResult(block, where));
        }
        default -> throw unknownBlock(block, where);
      }
    }
    flushUser(parts, messages);
  }

  private static void flushUser(ArrayNode parts, ArrayNode messages) {
    if (parts.isEmpty()) {
      return;
    }
    ObjectNode user = messages.addObject().put("role", "user");
    if (parts.size() == 1 && parts.get(0).path("type").asText().equals("text")) {
      user.put("content", parts.get(0).get("text").asText());
    } else {
      user.set("content", parts);
    }
  }

  private ObjectNode toolResult(JsonNode block, String where) {
    if (!block.path("tool_use_id").isTextual()) {
      throw invalid(where + ".tool_use_id: Field required", where + ".tool_use_id");
    }
    StringBuilder text = new StringBuilder();
    JsonNode content = block.get("content");
    if (content != null && content.isTextual()) {
      text.append(content.asText());
    } else if (content != null && content.isArray()) {
      for (int i = 0; i < content.size(); i++) {
        JsonNode part = content.get(i);
        String at = where + ".content[" + i + "]";
        switch (part.path("type").asText("")) {
          case "text" -> {
            if (!text.isEmpty()) {
              text.append('\n');
            }
            text.append(textOf(part, at));
          }
          // A chat API's tool message carries text only.
          case "image" -> dropped.add("tool_result.image");
          default -> throw unknownBlock(part, at);
        }
      }
    } else if (content != null && !content.isNull()) {
      throw invalid(
          where + ".content: Input should be a string or a list of blocks", where + ".content");
    }
    String result = block.path("is_error").asBoolean(false) ? "Error: " + text : text.toString();
    return NODES
        .objectNode()
        .put("role", "tool")
        .put("tool_call_id", block.get("tool_use_id").asText())
        .put("content", result);
  }

  /** An {@code image} block as an {@code image_url} part: a {@code data:} URL, or the URL. */
  private static ObjectNode image(JsonNode block, String where) {
    JsonNode source = block.path("source");
    String url =
        switch (source.path("type").asText("")) {
          case "base64" -> {
            if (!source.path("media_type").isTextual() || !source.path("data").isTextual()) {
              throw invalid(
                  where + ".source: a base64 source needs media_type and data", where + ".source");
            }
            yield "data:"
                + source.get("media_type").asText()
                + ";base64,"
                + source.get("data").asText();
          }
          case "url" -> {
            if (!source.path("url").isTextual()) {
              throw invalid(where + ".source.url: Field required", where + ".source.url");
            }
            yield source.get("url").asText();
          }
          default ->
              throw invalid(
                  where + ".source.type: Input should be 'base64' or 'url'",
                  where + ".source.type");
        };
    ObjectNode part = NODES.objectNode().put("type", "image_url");
    part.putObject("image_url").put("url", url);
    return part;
  }

  private void thinking(JsonNode thinking, String provider, String model, ObjectNode chat) {
    if (thinking == null || thinking.isNull()) {
      return;
    }
    if (!thinking.isObject()) {
      throw invalid("thinking: Input should be an object", "thinking");
    }
    // "enabled" with a budget, or "adaptive" (the model decides); "disabled" asks for nothing.
    boolean enabled = !"disabled".equals(thinking.path("type").asText());
    if (THINKING.contains(provider)) {
      chat.set("thinking", thinking);
    } else if (REASONING_EFFORT.contains(provider) && reasoningModel(model)) {
      JsonNode budget = thinking.get("budget_tokens");
      if (enabled && budget != null && budget.canConvertToInt()) {
        int tokens = budget.asInt();
        chat.put("reasoning_effort", tokens < 4096 ? "low" : tokens < 16384 ? "medium" : "high");
      }
    } else if (enabled) {
      dropped.add("thinking");
    }
  }

  /**
   * Anthropic's {@code output_config.effort} (low, medium, high, max) as {@code reasoning_effort}
   * for OpenAI's reasoning models ({@code max} as {@code high}); left out and listed elsewhere.
   */
  private void effort(JsonNode outputConfig, String provider, String model, ObjectNode chat) {
    if (outputConfig == null || outputConfig.isNull()) {
      return;
    }
    JsonNode effort = outputConfig.path("effort");
    boolean onlyEffort = outputConfig.size() == 1 && effort.isTextual();
    if (effort.isTextual() && REASONING_EFFORT.contains(provider) && reasoningModel(model)) {
      chat.put("reasoning_effort", effort.asText().equals("max") ? "high" : effort.asText());
      if (onlyEffort) {
        return;
      }
    }
    dropped.add("output_config");
  }

  /** OpenAI's reasoning models, the only ones that take {@code reasoning_effort}. */
  private static boolean reasoningModel(String model) {
    return model.matches("^(o\\d|gpt-5).*");
  }

  private void tools(JsonNode tools, ObjectNode chat) {
    if (tools == null || tools.isNull()) {
      return;
    }
    if (!tools.isArray()) {
      throw invalid("tools: Input should be a valid list", "tools");
    }
    ArrayNode functions = NODES.arrayNode();
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      String type = tool.path("type").asText("custom");
      if (!type.equals("custom")) {
        // Anthropic's server and client tools (web_search_…, bash_…, text_editor_…): only
        // Anthropic runs or defines them.
        dropped.add("tools." + type);
        continue;
      }
      if (!tool.path("name").isTextual() || !tool.path("input_schema").isObject()) {
        throw invalid(
            "tools.%d: a tool needs a name and an input_schema object".formatted(i),
            "tools[" + i + "]");
      }
      ObjectNode function = functions.addObject().put("type", "function").putObject("function");
      function.put("name", tool.get("name").asText());
      if (tool.path("description").isTextual()) {
        function.put("description", tool.get("description").asText());
      }
      function.set("parameters", tool.get("input_schema"));
    }
    if (!functions.isEmpty()) {
      chat.set("tools", functions);
    }
  }

  private static void toolChoice(JsonNode choice, ObjectNode chat) {
    if (choice == null || choice.isNull()) {
      return;
    }
    String type = choice.path("type").asText("");
    switch (type) {
      case "auto" -> chat.put("tool_choice", "auto");
      case "any" -> chat.put("tool_choice", "required");
      case "none" -> chat.put("tool_choice", "none");
      case "tool" -> {
        if (!choice.path("name").isTextual()) {
          throw invalid("tool_choice.name: Field required", "tool_choice.name");
        }
        ObjectNode named = chat.putObject("tool_choice").put("type", "function");
        named.putObject("function").put("name", choice.get("name").asText());
      }
      default ->
          throw invalid(
              "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'",
              "tool_choice.type");
    }
    if (choice.path("disable_parallel_tool_use").asBoolean(false)
        && !type.equals("none")
        && chat.has("tools")) {
      chat.put("parallel_tool_calls", false);
    }
  }

  private static void copyNumber(JsonNode body, String name, ObjectNode chat) {
    JsonNode value = body.get(name);
    if (value == null || value.isNull()) {
      return;
    }
    if (!value.isNumber()) {
      throw invalid(name + ": Input should be a valid number", name);
    }
    chat.set(name, value);
  }

  private static String textOf(JsonNode block, String where) {
    if (!block.path("text").isTextual()) {
      throw invalid(where + ".text: Field required", where + ".text");
    }
    return block.get("text").asText();
  }

  private static InvalidRequestException unknownBlock(JsonNode block, String where) {
    return invalid(
        where
            + ".type: '"
            + block.path("type").asText("")
            + "' is not a block this provider can take over chat completions",
        where + ".type");
  }

  private static InvalidRequestException invalid(String message, String param) {
    return new InvalidRequestException(message, param, null);
  }
}
