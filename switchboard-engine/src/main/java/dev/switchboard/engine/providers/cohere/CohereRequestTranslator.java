package dev.switchboard.engine.providers.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.WireJson;
import java.util.List;

/**
 * OpenAI-format requests to Cohere's v2 API: chat (https://docs.cohere.com/reference/chat) and
 * embed (https://docs.cohere.com/reference/embed), field by field as Portkey's gateway maps them
 * ({@code src/providers/cohere/chatComplete.ts}, {@code embed.ts}), with the differences
 * docs/providers.md lists.
 */
final class CohereRequestTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Fields Cohere's chat takes under the same name and meaning as OpenAI's. */
  private static final List<String> SAME =
      List.of("temperature", "seed", "frequency_penalty", "presence_penalty", "logprobs");

  /** Cohere's own chat fields, passed on when a client sends them. */
  private static final List<String> COHERE_ONLY =
      List.of("documents", "citation_options", "safety_mode", "k", "thinking", "strict_tools");

  private CohereRequestTranslator() {}

  /** The v2 chat body for {@code request}; {@code stream} only when the request streams. */
  static ObjectNode toChat(ChatRequest request) {
    ObjectNode openAi = WireJson.mapper().valueToTree(request);
    ObjectNode chat = NODES.objectNode();
    chat.set("model", openAi.get("model"));
    ArrayNode messages = chat.putArray("messages");
    for (JsonNode message : openAi.path("messages")) {
      messages.add(message(message));
    }
    JsonNode tools = openAi.get("tools");
    JsonNode choice = openAi.get("tool_choice");
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      chat.set("tools", toolsFor(tools, choice));
      toolChoice(choice, chat);
    }
    JsonNode maxTokens =
        openAi.hasNonNull("max_tokens")
            ? openAi.get("max_tokens")
            : openAi.get("max_completion_tokens");
    if (maxTokens != null && !maxTokens.isNull()) {
      chat.set("max_tokens", maxTokens);
    }
    JsonNode stop = openAi.get("stop");
    if (stop != null && !stop.isNull()) {
      chat.set("stop_sequences", stop.isArray() ? stop : NODES.arrayNode().add(stop));
    }
    for (String field : SAME) {
      copy(openAi, field, chat, field);
    }
    copy(openAi, "top_p", chat, "p");
    copy(openAi, "top_k", chat, "k");
    for (String field : COHERE_ONLY) {
      copy(openAi, field, chat, field);
    }
    JsonNode format = openAi.get("response_format");
    if (format != null && format.isObject()) {
      chat.set("response_format", responseFormat(format));
    }
    if (request.isStreaming()) {
      chat.put("stream", true);
    }
    return chat;
  }

  private static void copy(ObjectNode from, String name, ObjectNode to, String as) {
    JsonNode value = from.get(name);
    if (value != null && !value.isNull()) {
      to.set(as, value);
    }
  }

  /**
   * A message in v2's shape: {@code developer} as {@code system}; an assistant's {@code tool_calls}
   * as they are (v2 takes OpenAI's shape), its content only when it has some; a tool result with
   * its {@code tool_call_id}.
   */
  private static ObjectNode message(JsonNode message) {
    String role = message.path("role").asText();
    ObjectNode out = NODES.objectNode();
    switch (role) {
      case "system", "developer" -> {
        out.put("role", "system");
        out.set("content", textContent(message.get("content")));
      }
      case "user" -> {
        out.put("role", "user");
        out.set("content", userContent(message.get("content")));
      }
      case "assistant" -> {
        out.put("role", "assistant");
        JsonNode content = message.get("content");
        boolean hasContent =
            content != null
                && !content.isNull()
                && !(content.isTextual() && content.asText().isEmpty())
                && !(content.isArray() && content.isEmpty());
        if (hasContent) {
          out.set("content", textContent(content));
        }
        JsonNode calls = message.get("tool_calls");
        if (calls != null && calls.isArray() && !calls.isEmpty()) {
          ArrayNode toolCalls = out.putArray("tool_calls");
          for (JsonNode call : calls) {
            ObjectNode copy = toolCalls.addObject();
            copy.set("id", call.get("id"));
            copy.put("type", "function");
            copy.putObject("function")
                .put("name", call.at("/function/name").asText())
                .put("arguments", call.at("/function/arguments").asText("{}"));
          }
        }
      }
      case "tool" -> {
        out.put("role", "tool");
        out.set("tool_call_id", message.get("tool_call_id"));
        out.set("content", textContent(message.get("content")));
      }
      default ->
          throw new InvalidRequestException(
              "The cohere provider does not take messages with role '" + role + "'.",
              "messages",
              null);
    }
    return out;
  }

  /** A string as it is; text parts as v2's text parts. */
  private static JsonNode textContent(JsonNode content) {
    if (content == null || content.isNull()) {
      return NODES.textNode("");
    }
    if (!content.isArray()) {
      return content;
    }
    ArrayNode parts = NODES.arrayNode();
    for (JsonNode part : content) {
      if (part.path("type").asText().equals("text")) {
        parts.addObject().put("type", "text").put("text", part.path("text").asText());
      }
    }
    return parts;
  }

  /**
   * Text and image parts, which v2 takes in OpenAI's shape
   * (https://docs.cohere.com/docs/image-inputs).
   */
  private static JsonNode userContent(JsonNode content) {
    if (content == null || !content.isArray()) {
      return textContent(content);
    }
    ArrayNode parts = NODES.arrayNode();
    for (JsonNode part : content) {
      switch (part.path("type").asText()) {
        case "text" ->
            parts.addObject().put("type", "text").put("text", part.path("text").asText());
        case "image_url" -> {
          ObjectNode image = parts.addObject().put("type", "image_url");
          ObjectNode url = image.putObject("image_url");
          url.set("url", part.at("/image_url/url"));
          if (part.at("/image_url/detail").isTextual()) {
            url.set("detail", part.at("/image_url/detail"));
          }
        }
        default ->
            throw new InvalidRequestException(
                "The cohere provider takes text and image_url content parts, not '"
                    + part.path("type").asText()
                    + "'.",
                "messages",
                null);
      }
    }
    return parts;
  }

  /**
   * The tools; a named {@code tool_choice} keeps only that tool, since v2 can require a call but
   * not name the function.
   */
  private static ArrayNode toolsFor(JsonNode tools, JsonNode choice) {
    String named = choice != null ? choice.at("/function/name").asText(null) : null;
    ArrayNode out = NODES.arrayNode();
    for (JsonNode tool : tools) {
      if (named == null || named.equals(tool.at("/function/name").asText())) {
        out.add(tool);
      }
    }
    return out;
  }

  /** {@code required} (or a named function) → {@code REQUIRED}, {@code none} → {@code NONE}. */
  private static void toolChoice(JsonNode choice, ObjectNode chat) {
    if (choice == null || choice.isNull()) {
      return;
    }
    if (choice.isTextual()) {
      switch (choice.asText()) {
        case "required" -> chat.put("tool_choice", "REQUIRED");
        case "none" -> chat.put("tool_choice", "NONE");
        default -> {} // auto: Cohere's default
      }
    } else {
      chat.put("tool_choice", "REQUIRED");
    }
  }

  /**
   * OpenAI's {@code json_object} as it is; {@code json_schema} as v2's {@code json_object} with the
   * schema in {@code json_schema} (https://docs.cohere.com/docs/structured-outputs).
   */
  private static JsonNode responseFormat(JsonNode format) {
    return switch (format.path("type").asText()) {
      case "json_schema" -> {
        ObjectNode out = NODES.objectNode().put("type", "json_object");
        JsonNode schema = format.at("/json_schema/schema");
        if (schema.isObject()) {
          out.set("json_schema", schema);
        }
        yield out;
      }
      case "json_object" -> NODES.objectNode().put("type", "json_object");
      default -> NODES.objectNode().put("type", "text");
    };
  }

  /**
   * The v2 embed body: every input as {@code texts}, {@code input_type} the request's (default
   * {@code search_document}), {@code embedding_types: ["float"]}, {@code dimensions} as {@code
   * output_dimension}.
   */
  static ObjectNode toEmbed(EmbeddingRequest request) {
    ObjectNode openAi = WireJson.mapper().valueToTree(request);
    ObjectNode embed = NODES.objectNode();
    embed.set("model", openAi.get("model"));
    ArrayNode texts = embed.putArray("texts");
    JsonNode input = openAi.get("input");
    if (input != null && input.isTextual()) {
      texts.add(input);
    } else if (input != null && input.isArray()) {
      for (JsonNode item : input) {
        if (!item.isTextual()) {
          throw new InvalidRequestException(
              "The cohere provider embeds text: input must be a string or an array of strings.",
              "input",
              null);
        }
        texts.add(item);
      }
    }
    if (texts.isEmpty()) {
      throw new InvalidRequestException("input must not be empty.", "input", null);
    }
    embed.put("input_type", openAi.path("input_type").asText("search_document"));
    embed.putArray("embedding_types").add("float");
    copy(openAi, "dimensions", embed, "output_dimension");
    copy(openAi, "truncate", embed, "truncate");
    return embed;
  }
}
