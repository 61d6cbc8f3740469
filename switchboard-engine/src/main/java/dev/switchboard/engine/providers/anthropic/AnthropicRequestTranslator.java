package dev.switchboard.engine.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.ContentPart;
import dev.switchboard.wire.MessageContent;
import dev.switchboard.wire.Tool;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.ToolChoice;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.util.List;

/**
 * Translates an OpenAI-format chat request into an Anthropic Messages API request body
 * (https://docs.anthropic.com/en/api/messages), the way Portkey's gateway does ({@code
 * src/providers/anthropic/chatComplete.ts}), with the differences listed in {@code
 * docs/providers.md}. Pure: no HTTP, so that Anthropic-on-Bedrock can reuse it.
 */
public final class AnthropicRequestTranslator {
  /**
   * Anthropic requires {@code max_tokens}; OpenAI clients rarely send it. Portkey sends none and
   * lets Anthropic answer 400; we send this instead (a deliberate difference).
   */
  public static final int DEFAULT_MAX_TOKENS = 4096;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AnthropicRequestTranslator() {}

  /**
   * The Messages API body for {@code request}: {@code model}, {@code messages}, {@code system},
   * {@code max_tokens}, sampling, stop sequences, tools, tool choice, {@code metadata.user_id},
   * {@code stream}, and Anthropic's own {@code top_k} and {@code thinking} when sent. OpenAI fields
   * Anthropic has no counterpart for ({@code n}, {@code seed}, {@code logprobs}, {@code
   * response_format}, penalties, …) are not sent, as Portkey does not send them.
   *
   * @throws InvalidRequestException when a tool call's arguments are not a JSON object
   */
  public static ObjectNode toMessagesRequest(ChatRequest request) {
    ObjectNode body = NODES.objectNode();
    if (request.model() != null) {
      body.put("model", request.model());
    }
    List<ChatMessage> messages = request.messages() == null ? List.of() : request.messages();
    body.set("messages", messages(messages));
    ArrayNode system = system(messages);
    if (!system.isEmpty()) {
      body.set("system", system);
    }
    Integer maxTokens =
        request.maxTokens() != null ? request.maxTokens() : request.maxCompletionTokens();
    body.put("max_tokens", maxTokens != null ? maxTokens : DEFAULT_MAX_TOKENS);
    if (request.temperature() != null) {
      body.put("temperature", request.temperature());
    }
    if (request.topP() != null) {
      body.put("top_p", request.topP());
    }
    copyExtra(request, "top_k", body);
    if (request.stop() != null && !request.stop().isNull()) {
      ArrayNode stops = NODES.arrayNode();
      if (request.stop().isArray()) {
        request.stop().forEach(stops::add);
      } else {
        stops.add(request.stop()); // Anthropic takes only an array
      }
      body.set("stop_sequences", stops);
    }
    if (request.user() != null) {
      body.putObject("metadata").put("user_id", request.user());
    }
    if (request.tools() != null && !request.tools().isEmpty()) {
      ArrayNode tools = body.putArray("tools");
      request.tools().forEach(tool -> tools.add(tool(tool)));
    }
    ObjectNode toolChoice = toolChoice(request.toolChoice());
    if (Boolean.FALSE.equals(request.parallelToolCalls()) && request.tools() != null) {
      if (toolChoice == null) {
        toolChoice = NODES.objectNode().put("type", "auto");
      }
      if (!"none".equals(toolChoice.path("type").asText())) {
        toolChoice.put("disable_parallel_tool_use", true);
      }
    }
    if (toolChoice != null) {
      body.set("tool_choice", toolChoice);
    }
    copyExtra(request, "thinking", body);
    if (request.isStreaming()) {
      body.put("stream", true);
    }
    return body;
  }

  private static void copyExtra(ChatRequest request, String name, ObjectNode body) {
    JsonNode value = request.extras().get(name);
    if (value != null && !value.isNull()) {
      body.set(name, value);
    }
  }

  /** System and developer messages, in order, as text blocks of {@code system}. */
  private static ArrayNode system(List<ChatMessage> messages) {
    ArrayNode system = NODES.arrayNode();
    for (ChatMessage message : messages) {
      MessageContent content =
          switch (message) {
            case ChatMessage.System s -> s.content();
            case ChatMessage.Developer d -> d.content();
            default -> null;
          };
      switch (content) {
        case null -> {}
        case MessageContent.Text text -> system.add(textBlock(text.text(), null));
        case MessageContent.Parts parts -> {
          for (ContentPart part : parts.parts()) {
            if (part instanceof ContentPart.TextPart text) {
              system.add(textBlock(text.text(), text.extras().get("cache_control")));
            }
          }
        }
      }
    }
    return system;
  }

  /**
   * The conversation without its system messages. Results of parallel tool calls, which OpenAI
   * sends as consecutive {@code tool} messages, become one user turn of several {@code tool_result}
   * blocks, as Anthropic asks for them
   * (https://docs.anthropic.com/en/docs/build-with-claude/tool-use).
   */
  private static ArrayNode messages(List<ChatMessage> messages) {
    ArrayNode turns = NODES.arrayNode();
    ObjectNode toolResults = null;
    for (ChatMessage message : messages) {
      if (!(message instanceof ChatMessage.Tool)) {
        toolResults = null;
      }
      switch (message) {
        case ChatMessage.System s -> {}
        case ChatMessage.Developer d -> {}
        case ChatMessage.User user -> turns.add(userTurn(user.content()));
        case ChatMessage.Function function -> turns.add(userTurn(function.content()));
        case ChatMessage.Assistant assistant -> turns.add(assistantTurn(assistant));
        case ChatMessage.Tool tool -> {
          if (toolResults == null) {
            toolResults = turns.addObject().put("role", "user");
            toolResults.putArray("content");
          }
          ((ArrayNode) toolResults.get("content")).add(toolResult(tool));
        }
      }
    }
    return turns;
  }

  private static ObjectNode toolResult(ChatMessage.Tool tool) {
    ObjectNode block = NODES.objectNode().put("type", "tool_result");
    block.put("tool_use_id", tool.toolCallId() == null ? "" : tool.toolCallId());
    if (tool.content() != null) {
      block.set("content", WireJson.mapper().valueToTree(tool.content()));
    }
    return block;
  }

  private static ObjectNode userTurn(MessageContent content) {
    ObjectNode turn = NODES.objectNode().put("role", "user");
    switch (content) {
      case null -> turn.put("content", "");
      case MessageContent.Text text -> turn.put("content", text.text());
      case MessageContent.Parts parts -> {
        ArrayNode blocks = turn.putArray("content");
        for (ContentPart part : parts.parts()) {
          switch (part) {
            case ContentPart.TextPart text ->
                blocks.add(textBlock(text.text(), text.extras().get("cache_control")));
            case ContentPart.ImagePart image -> {
              ObjectNode block = imageBlock(image);
              if (block != null) {
                blocks.add(block);
              }
            }
            case ContentPart.OtherPart other -> {
              if ("file".equals(other.type())) {
                ObjectNode block = documentBlock(other.json().path("file"));
                if (block != null) {
                  blocks.add(block);
                }
              }
              // Audio and other parts have no Anthropic counterpart; Portkey drops them too.
            }
          }
        }
      }
    }
    return turn;
  }

  /**
   * An image: an http(s) URL as a {@code url} source, a {@code data:} URL as a {@code base64}
   * source (a PDF as a {@code document}); a data URL that cannot be read is skipped, as by Portkey.
   */
  private static ObjectNode imageBlock(ContentPart.ImagePart image) {
    String url = image.imageUrl() == null ? null : image.imageUrl().url();
    if (url == null || url.isEmpty()) {
      return null;
    }
    ObjectNode block = NODES.objectNode();
    if (!url.startsWith("data:")) {
      block.put("type", "image");
      block.putObject("source").put("type", "url").put("url", url);
      return block;
    }
    int semicolon = url.indexOf(';');
    int comma = url.indexOf(',');
    if (semicolon < 0 || comma < semicolon) {
      return null;
    }
    String mediaType = url.substring("data:".length(), semicolon);
    String data = url.substring(comma + 1);
    if (mediaType.isEmpty() || data.isEmpty()) {
      return null;
    }
    block.put("type", mediaType.equals("application/pdf") ? "document" : "image");
    block.putObject("source").put("type", "base64").put("media_type", mediaType).put("data", data);
    JsonNode cacheControl = image.extras().get("cache_control");
    if (cacheControl != null) {
      block.set("cache_control", cacheControl);
    }
    return block;
  }

  /** OpenAI's {@code file} part (a URL or base64 data) as a {@code document}. */
  private static ObjectNode documentBlock(JsonNode file) {
    ObjectNode block = NODES.objectNode().put("type", "document");
    String mediaType = file.path("mime_type").asText("application/pdf");
    if (file.hasNonNull("file_url")) {
      block.putObject("source").put("type", "url").put("url", file.get("file_url").asText());
    } else if (file.hasNonNull("file_data")) {
      block
          .putObject("source")
          .put("type", mediaType.equals("text/plain") ? "text" : "base64")
          .put("data", file.get("file_data").asText())
          .put("media_type", mediaType);
    } else {
      return null;
    }
    return block;
  }

  /**
   * An assistant turn: its text (or, from a Portkey response read with strict compliance off, its
   * {@code content_blocks}, which keep thinking blocks and their signatures), then one {@code
   * tool_use} block per tool call.
   */
  private static ObjectNode assistantTurn(ChatMessage.Assistant assistant) {
    ObjectNode turn = NODES.objectNode().put("role", "assistant");
    ArrayNode blocks = turn.putArray("content");
    JsonNode contentBlocks = assistant.extras().get("content_blocks");
    if (contentBlocks != null && contentBlocks.isArray()) {
      for (JsonNode block : contentBlocks) {
        if (!"tool_use".equals(block.path("type").asText())) {
          blocks.add(block);
        }
      }
    } else {
      switch (assistant.content()) {
        case null -> {}
        case MessageContent.Text text -> {
          if (!text.text().isEmpty()) {
            blocks.add(textBlock(text.text(), null));
          }
        }
        case MessageContent.Parts parts -> {
          for (ContentPart part : parts.parts()) {
            switch (part) {
              case ContentPart.TextPart text ->
                  blocks.add(textBlock(text.text(), text.extras().get("cache_control")));
              case ContentPart.OtherPart other -> {
                if (!"tool_use".equals(other.type())) {
                  blocks.add(other.json());
                }
              }
              case ContentPart.ImagePart image -> {}
            }
          }
        }
      }
    }
    if (assistant.hasToolCalls()) {
      for (ToolCall call : assistant.toolCalls()) {
        blocks.add(toolUse(call));
      }
    }
    return turn;
  }

  private static ObjectNode toolUse(ToolCall call) {
    ObjectNode block = NODES.objectNode().put("type", "tool_use");
    block.put("id", call.id());
    String name = call.function() == null ? null : call.function().name();
    block.put("name", name);
    String arguments = call.function() == null ? null : call.function().arguments();
    if (arguments == null || arguments.isEmpty()) {
      block.putObject("input");
    } else {
      try {
        block.set("input", WireJson.tree(arguments));
      } catch (WireFormatException e) {
        throw new InvalidRequestException(
            "The arguments of tool call " + call.id() + " are not valid JSON.",
            "messages.tool_calls.function.arguments",
            e);
      }
    }
    JsonNode cacheControl = call.extras().get("cache_control");
    if (cacheControl != null) {
      block.set("cache_control", cacheControl);
    }
    return block;
  }

  /**
   * A function tool as Anthropic's {@code {name, description, input_schema}}; the schema is sent
   * whole (Portkey keeps only its type, properties, required and $defs).
   */
  private static ObjectNode tool(Tool tool) {
    ObjectNode out = NODES.objectNode();
    if (tool.function() == null) {
      // A non-function tool (Anthropic's server tools): its options under its type, as Portkey.
      JsonNode options = tool.extras().get(tool.type());
      if (options != null && options.isObject()) {
        out.setAll((ObjectNode) options);
      }
      out.put("name", tool.type());
      if (options != null && options.hasNonNull("name")) {
        out.put("type", options.get("name").asText());
      }
    } else {
      out.put("name", tool.function().name());
      String description = tool.function().description();
      out.put("description", description == null ? "" : description);
      JsonNode parameters = tool.function().parameters();
      ObjectNode schema =
          parameters != null && parameters.isObject()
              ? ((ObjectNode) parameters).deepCopy()
              : NODES.objectNode();
      if (!schema.has("type")) {
        schema.put("type", "object");
      }
      if (!schema.has("properties")) {
        schema.putObject("properties");
      }
      out.set("input_schema", schema);
    }
    JsonNode cacheControl = tool.extras().get("cache_control");
    if (cacheControl != null) {
      out.set("cache_control", cacheControl);
    }
    return out;
  }

  /**
   * {@code auto}, {@code required} → {@code any}, {@code none}, a named function → {@code tool}.
   */
  private static ObjectNode toolChoice(ToolChoice choice) {
    return switch (choice) {
      case null -> null;
      case ToolChoice.Mode mode ->
          switch (mode.mode()) {
            case "auto" -> NODES.objectNode().put("type", "auto");
            case "required" -> NODES.objectNode().put("type", "any");
            case "none" -> NODES.objectNode().put("type", "none");
            default -> null;
          };
      case ToolChoice.Function function ->
          NODES.objectNode().put("type", "tool").put("name", function.name());
      case ToolChoice.Other other -> {
        JsonNode name = other.json().path("function").path("name");
        yield name.isTextual()
            ? NODES.objectNode().put("type", "tool").put("name", name.asText())
            : null;
      }
    };
  }

  private static ObjectNode textBlock(String text, JsonNode cacheControl) {
    ObjectNode block = NODES.objectNode().put("type", "text").put("text", text);
    if (cacheControl != null) {
      block.set("cache_control", cacheControl);
    }
    return block;
  }
}
