package dev.switchboard.engine.providers.bedrock;

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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * OpenAI's chat request to the body of Bedrock's Converse and ConverseStream
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html), field by
 * field as Portkey's {@code BedrockConverseChatCompleteConfig} maps them, with the differences
 * noted where they are made.
 */
final class ConverseRequestTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  // https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html
  private static final Set<String> IMAGE_TYPES =
      Set.of("image/png", "image/jpeg", "image/gif", "image/webp");
  // https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_VideoBlock.html
  private static final Set<String> VIDEO_TYPES =
      Set.of(
          "video/mkv",
          "video/mov",
          "video/mp4",
          "video/webm",
          "video/flv",
          "video/mpeg",
          "video/mpg",
          "video/wmv",
          "video/3gp");

  private ConverseRequestTranslator() {}

  /** The Converse body; the model goes in the path, not here. */
  static ObjectNode translateRequest(
      ChatRequest request, BedrockModel model, String anthropicBeta) {
    if (request.messages() == null || request.messages().isEmpty()) {
      throw new InvalidRequestException("messages must not be empty", "messages", null);
    }
    ObjectNode body = NODES.objectNode();
    body.set("messages", messages(request.messages()));
    ArrayNode system = system(request.messages());
    if (!system.isEmpty()) {
      body.set("system", system);
    }
    ObjectNode inference = inferenceConfig(request);
    if (!inference.isEmpty()) {
      body.set("inferenceConfig", inference);
    }
    ObjectNode toolConfig = toolConfig(request, model);
    if (toolConfig != null) {
      body.set("toolConfig", toolConfig);
    }
    ObjectNode additional = additionalModelRequestFields(request, model, anthropicBeta);
    if (!additional.isEmpty()) {
      body.set("additionalModelRequestFields", additional);
    }
    Map<String, JsonNode> extras = request.extras();
    copyFirst(extras, body, "guardrailConfig", "guardrailConfig", "guardrail_config");
    copyFirst(
        extras,
        body,
        "additionalModelResponseFieldPaths",
        "additionalModelResponseFieldPaths",
        "additional_model_response_field_paths");
    copyFirst(extras, body, "performanceConfig", "performance_config", "performanceConfig");
    copyFirst(extras, body, "promptVariables", "prompt_variables", "promptVariables");
    copyFirst(extras, body, "requestMetadata", "request_metadata", "requestMetadata");
    return body;
  }

  private static void copyFirst(
      Map<String, JsonNode> extras, ObjectNode body, String field, String... names) {
    for (String name : names) {
      JsonNode value = extras.get(name);
      if (value != null && !value.isNull()) {
        body.set(field, value);
        return;
      }
    }
  }

  // System and developer messages become the system blocks, in order.
  private static ArrayNode system(List<ChatMessage> messages) {
    ArrayNode system = NODES.arrayNode();
    for (ChatMessage message : messages) {
      if (message instanceof ChatMessage.System || message instanceof ChatMessage.Developer) {
        textBlocks(message.content(), system, true);
      }
    }
    return system;
  }

  /**
   * The text of a content, as text blocks, a cache point after each part that asks for one;
   * non-text parts are skipped (system prompts and tool results hold text).
   */
  private static void textBlocks(MessageContent content, ArrayNode out, boolean keepEmpty) {
    switch (content) {
      case null -> {
        if (keepEmpty) {
          out.addObject().put("text", "");
        }
      }
      case MessageContent.Text text -> {
        if (keepEmpty || !text.text().isEmpty()) {
          out.addObject().put("text", text.text());
        }
      }
      case MessageContent.Parts parts -> {
        for (ContentPart part : parts.parts()) {
          if (part instanceof ContentPart.TextPart text) {
            out.addObject().put("text", text.text() == null ? "" : text.text());
            cachePointIfAsked(text.extras(), out);
          }
        }
      }
    }
  }

  private static void cachePointIfAsked(Map<String, JsonNode> extras, ArrayNode out) {
    JsonNode cacheControl = extras.get("cache_control");
    if (cacheControl != null && !cacheControl.isNull()) {
      out.addObject().putObject("cachePoint").put("type", "default");
    }
  }

  private static ArrayNode messages(List<ChatMessage> messages) {
    ArrayNode out = NODES.arrayNode();
    ObjectNode previous = null;
    for (ChatMessage message : messages) {
      if (message instanceof ChatMessage.System || message instanceof ChatMessage.Developer) {
        continue;
      }
      String role = message instanceof ChatMessage.Assistant ? "assistant" : "user";
      ArrayNode content = content(message);
      // Converse wants turns to alternate: consecutive user turns (tool results among them) are
      // merged into one, as Portkey does.
      if (previous != null
          && role.equals("user")
          && previous.path("role").asText().equals("user")) {
        ((ArrayNode) previous.get("content")).addAll(content);
        continue;
      }
      ObjectNode turn = out.addObject();
      turn.put("role", role);
      turn.set("content", content);
      previous = turn;
    }
    return out;
  }

  private static ArrayNode content(ChatMessage message) {
    ArrayNode out = NODES.arrayNode();
    switch (message) {
      case ChatMessage.Tool tool -> {
        ObjectNode result = out.addObject().putObject("toolResult");
        result.put("toolUseId", tool.toolCallId());
        ArrayNode blocks = NODES.arrayNode();
        textBlocks(tool.content(), blocks, false);
        // Bedrock takes an empty content list but not an empty text.
        boolean empty = blocks.isEmpty() || blocks.get(0).path("text").asText().isEmpty();
        result.set("content", empty ? NODES.arrayNode() : blocks);
      }
      case ChatMessage.Assistant assistant -> {
        JsonNode contentBlocks = assistant.extras().get("content_blocks");
        if (contentBlocks != null && contentBlocks.isArray()) {
          for (JsonNode block : contentBlocks) {
            portkeyBlock(block, out);
          }
        } else {
          userOrAssistantContent(assistant.content(), out);
        }
        if (assistant.toolCalls() != null) {
          for (ToolCall call : assistant.toolCalls()) {
            ObjectNode use = out.addObject().putObject("toolUse");
            use.put("toolUseId", call.id());
            use.put("name", call.function() == null ? null : call.function().name());
            use.set("input", arguments(call));
          }
        }
      }
      case ChatMessage.User user -> userOrAssistantContent(user.content(), out);
      case ChatMessage.Function function -> userOrAssistantContent(function.content(), out);
      case ChatMessage.System system -> throw new IllegalStateException("system is not a turn");
      case ChatMessage.Developer developer ->
          throw new IllegalStateException("developer is not a turn");
    }
    return out;
  }

  private static JsonNode arguments(ToolCall call) {
    String arguments = call.function() == null ? null : call.function().arguments();
    if (arguments == null || arguments.isBlank()) {
      return NODES.objectNode();
    }
    try {
      return WireJson.tree(arguments);
    } catch (WireFormatException e) {
      throw new InvalidRequestException(
          "The arguments of tool call "
              + call.id()
              + " are not valid JSON; Bedrock takes a tool call's input as a JSON value.",
          "messages",
          e);
    }
  }

  private static void userOrAssistantContent(MessageContent content, ArrayNode out) {
    switch (content) {
      case null -> {}
      case MessageContent.Text text -> {
        if (!text.text().isBlank()) {
          out.addObject().put("text", text.text());
        }
      }
      case MessageContent.Parts parts -> {
        for (ContentPart part : parts.parts()) {
          switch (part) {
            case ContentPart.TextPart text -> {
              out.addObject().put("text", text.text() == null ? "" : text.text());
              cachePointIfAsked(text.extras(), out);
            }
            case ContentPart.ImagePart image -> {
              out.add(mediaBlock(image.imageUrl() == null ? null : image.imageUrl().url()));
              cachePointIfAsked(image.extras(), out);
            }
            case ContentPart.OtherPart other -> {
              portkeyBlock(other.json(), out);
              if (other.json().hasNonNull("cache_control")) {
                out.addObject().putObject("cachePoint").put("type", "default");
              }
            }
          }
        }
      }
    }
  }

  /**
   * A content part Portkey accepts besides text and images: the thinking blocks of an earlier
   * answer (which Bedrock wants back in a tool loop with reasoning on).
   */
  private static void portkeyBlock(JsonNode part, ArrayNode out) {
    String type = part.path("type").asText();
    switch (type) {
      case "text" -> out.addObject().put("text", part.path("text").asText(""));
      case "thinking" -> {
        ObjectNode text = out.addObject().putObject("reasoningContent").putObject("reasoningText");
        text.put("text", part.path("thinking").asText(""));
        if (part.hasNonNull("signature")) {
          text.put("signature", part.get("signature").asText());
        }
      }
      case "redacted_thinking" ->
          out.addObject()
              .putObject("reasoningContent")
              .put("redactedContent", part.path("data").asText(""));
      default ->
          throw new InvalidRequestException(
              "Content parts of type '"
                  + type
                  + "' are not supported by the bedrock provider; send text, image_url (as a"
                  + " base64 data URL), thinking or redacted_thinking parts.",
              "messages",
              null);
    }
  }

  /**
   * An {@code image_url} part: Converse takes media only as bytes (or an S3 location), so the URL
   * must be a base64 {@code data:} URL. An image type becomes an image block, a video type a video
   * block, anything else a document block, as in Portkey.
   */
  private static ObjectNode mediaBlock(String url) {
    if (url == null || !url.startsWith("data:") || !url.contains(";base64,")) {
      // Portkey passes such a URL on mangled and Bedrock then refuses it; say why up front.
      throw new InvalidRequestException(
          "Bedrock's Converse API does not fetch image URLs: send the image as a base64 data URL"
              + " (data:image/png;base64,...).",
          "messages",
          null);
    }
    String mimeType = url.substring("data:".length(), url.indexOf(';')).toLowerCase(Locale.ROOT);
    if (mimeType.equals("image/jpg")) {
      mimeType = "image/jpeg"; // a common misspelling; Converse knows only "jpeg"
    }
    String bytes = url.substring(url.indexOf(";base64,") + ";base64,".length());
    String format = mimeType.contains("/") ? mimeType.substring(mimeType.indexOf('/') + 1) : "";
    ObjectNode block = NODES.objectNode();
    if (IMAGE_TYPES.contains(mimeType)) {
      ObjectNode image = block.putObject("image");
      image.put("format", format);
      image.putObject("source").put("bytes", bytes);
    } else if (VIDEO_TYPES.contains(mimeType)) {
      ObjectNode video = block.putObject("video");
      video.put("format", format);
      video.putObject("source").put("bytes", bytes);
    } else {
      ObjectNode document = block.putObject("document");
      document.put("format", format);
      document.put("name", UUID.randomUUID().toString());
      document.putObject("source").put("bytes", bytes);
    }
    return block;
  }

  private static ObjectNode inferenceConfig(ChatRequest request) {
    ObjectNode config = NODES.objectNode();
    Integer maxTokens =
        request.maxTokens() != null ? request.maxTokens() : request.maxCompletionTokens();
    if (maxTokens != null) {
      config.put("maxTokens", maxTokens);
    }
    if (request.stop() != null && !request.stop().isNull()) {
      // OpenAI takes one stop string or a list; Converse only a list (Portkey passes a string on).
      if (request.stop().isTextual()) {
        config.putArray("stopSequences").add(request.stop().asText());
      } else {
        config.set("stopSequences", request.stop());
      }
    }
    if (request.temperature() != null) {
      config.put("temperature", request.temperature());
    }
    if (request.topP() != null) {
      config.put("topP", request.topP());
    }
    return config;
  }

  private static ObjectNode toolConfig(ChatRequest request, BedrockModel model) {
    if (request.tools() == null || request.tools().isEmpty()) {
      return null;
    }
    ArrayNode tools = NODES.arrayNode();
    boolean amazonModel = model.id().contains("amazon");
    for (Tool tool : request.tools()) {
      if (tool.function() != null) {
        ObjectNode spec = tools.addObject().putObject("toolSpec");
        spec.put("name", tool.function().name());
        if (tool.function().description() != null) {
          spec.put("description", tool.function().description());
        }
        JsonNode parameters = tool.function().parameters();
        // Converse requires a schema; a function without parameters takes an empty object.
        spec.putObject("inputSchema")
            .set(
                "json",
                parameters == null || parameters.isNull()
                    ? NODES.objectNode().put("type", "object").set("properties", NODES.objectNode())
                    : parameters);
      }
      JsonNode cacheControl = tool.extras().get("cache_control");
      if (cacheControl != null && !cacheControl.isNull() && !amazonModel) {
        tools.addObject().putObject("cachePoint").put("type", "default");
      }
    }
    if (tools.isEmpty()) {
      return null;
    }
    ObjectNode config = NODES.objectNode();
    config.set("tools", tools);
    ObjectNode choice = toolChoice(request.toolChoice());
    if (choice != null) {
      config.set("toolChoice", choice);
    }
    return config;
  }

  /**
   * auto → {@code auto}, required → {@code any}, a named function → {@code tool}. Converse has no
   * "none": as Portkey does, the tools are still sent and no choice is set, so the model decides.
   */
  private static ObjectNode toolChoice(ToolChoice choice) {
    return switch (choice) {
      case null -> null;
      case ToolChoice.Mode mode ->
          switch (mode.mode()) {
            case "auto" -> {
              ObjectNode node = NODES.objectNode();
              node.putObject("auto");
              yield node;
            }
            case "required" -> {
              ObjectNode node = NODES.objectNode();
              node.putObject("any");
              yield node;
            }
            default -> null;
          };
      case ToolChoice.Function function -> {
        ObjectNode node = NODES.objectNode();
        node.putObject("tool").put("name", function.name());
        yield node;
      }
      case ToolChoice.Other other -> {
        JsonNode name = other.json().path("function").path("name");
        if (!name.isTextual()) {
          yield null;
        }
        ObjectNode node = NODES.objectNode();
        node.putObject("tool").put("name", name.asText());
        yield node;
      }
    };
  }

  /**
   * The model-specific fields: those the client set itself ({@code additionalModelRequestFields} or
   * {@code additional_model_request_fields}), plus the OpenAI fields Portkey moves there for the
   * model's vendor.
   */
  private static ObjectNode additionalModelRequestFields(
      ChatRequest request, BedrockModel model, String anthropicBeta) {
    Map<String, JsonNode> extras = request.extras();
    ObjectNode fields = NODES.objectNode();
    JsonNode given = extras.get("additionalModelRequestFields");
    if (given == null || !given.isObject()) {
      given = extras.get("additional_model_request_fields");
    }
    if (given != null && given.isObject()) {
      fields.setAll((ObjectNode) given.deepCopy());
    }
    JsonNode topK = extras.get("top_k");
    if (topK != null && !topK.isNull()) {
      fields.set("top_k", topK);
    }
    switch (model.vendor()) {
      case "anthropic" -> {
        copy(extras, "anthropic_version", fields, "anthropic_version");
        if (request.user() != null) {
          fields.putObject("metadata").put("user_id", request.user());
        }
        copy(extras, "thinking", fields, "thinking");
        JsonNode beta =
            anthropicBeta != null ? NODES.textNode(anthropicBeta) : extras.get("anthropic_beta");
        if (beta != null && beta.isTextual()) {
          ArrayNode betas = fields.putArray("anthropic_beta");
          for (String flag : beta.asText().split(",")) {
            if (!flag.isBlank()) {
              betas.add(flag.strip());
            }
          }
        } else if (beta != null && beta.isArray()) {
          fields.set("anthropic_beta", beta);
        }
      }
      case "cohere" -> {
        if (request.n() != null) {
          fields.put("n", request.n());
        }
        copy(extras, "frequency_penalty", fields, "frequency_penalty");
        copy(extras, "presence_penalty", fields, "presence_penalty");
        copy(extras, "logit_bias", fields, "logitBias");
      }
      case "ai21" -> {
        JsonNode frequency = extras.get("frequency_penalty");
        if (frequency != null && !frequency.isNull()) {
          fields.putObject("frequencyPenalty").set("scale", frequency);
        }
        JsonNode presence = extras.get("presence_penalty");
        if (presence != null && !presence.isNull()) {
          fields.putObject("presencePenalty").set("scale", presence);
        }
        copy(extras, "frequencyPenalty", fields, "frequencyPenalty");
        copy(extras, "presencePenalty", fields, "presencePenalty");
        copy(extras, "countPenalty", fields, "countPenalty");
      }
      default -> {
        // Portkey's generic Converse config hands response_format to the model as it is.
        if (request.responseFormat() != null) {
          fields.set("response_format", WireJson.mapper().valueToTree(request.responseFormat()));
        }
      }
    }
    return fields;
  }

  private static void copy(
      Map<String, JsonNode> extras, String from, ObjectNode fields, String to) {
    JsonNode value = extras.get(from);
    if (value != null && !value.isNull()) {
      fields.set(to, value);
    }
  }
}
