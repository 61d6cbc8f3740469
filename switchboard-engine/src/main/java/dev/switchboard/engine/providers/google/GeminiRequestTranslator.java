package dev.switchboard.engine.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.ContentPart;
import dev.switchboard.wire.MessageContent;
import dev.switchboard.wire.ResponseFormat;
import dev.switchboard.wire.Tool;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.ToolChoice;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Translates an OpenAI chat request into a Gemini {@code GenerateContentRequest}
 * (https://ai.google.dev/api/generate-content#request-body), as Portkey's gateway does ({@code
 * src/providers/google/chatComplete.ts}); the same body serves Vertex AI's Gemini models. Pure: no
 * HTTP.
 *
 * <ul>
 *   <li>{@code system} and {@code developer} messages → {@code systemInstruction}, one text part
 *       each;
 *   <li>{@code user} → a {@code user} turn: text parts, {@code image_url} as {@code inlineData} (a
 *       base64 {@code data:} URL) or {@code fileData} (an http(s) or {@code gs://} URL), {@code
 *       input_audio} as {@code inlineData};
 *   <li>{@code assistant} → a {@code model} turn: its text, then one {@code functionCall} part per
 *       tool call;
 *   <li>{@code tool} → a {@code functionResponse} part named after the call it answers; consecutive
 *       turns of one role are merged into one, so parallel results travel together;
 *   <li>{@code tools} → {@code functionDeclarations}; {@code tool_choice} → {@code
 *       toolConfig.functionCallingConfig};
 *   <li>sampling settings and {@code response_format} → {@code generationConfig}.
 * </ul>
 */
final class GeminiRequestTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Portkey's name for a tool result whose call it cannot find. */
  static final String FILLER_TOOL_NAME = "gateway-tool-filler-name";

  /** The built-in Google tools Portkey recognises by a function's name. */
  private static final Set<String> GOOGLE_SEARCH = Set.of("googleSearch", "google_search");

  private static final Map<String, String> AUDIO_MIME_TYPES =
      Map.of(
          "wav", "audio/wav",
          "mp3", "audio/mp3",
          "aiff", "audio/aiff",
          "aac", "audio/aac",
          "ogg", "audio/ogg",
          "flac", "audio/flac",
          "pcm16", "audio/pcm");

  private GeminiRequestTranslator() {}

  /**
   * The {@code generateContent} body for {@code request}; the model goes in the URL.
   *
   * @throws InvalidRequestException when the request cannot be expressed for Gemini (tool call
   *     arguments that are not JSON, an unsupported content part)
   */
  static ObjectNode toGenerateContent(ChatRequest request) {
    ObjectNode body = NODES.objectNode();
    ArrayNode contents = body.putArray("contents");
    ArrayNode system = NODES.arrayNode();
    Map<String, String> callNames = new HashMap<>();
    String lastRole = null;
    List<ChatMessage> messages = request.messages() == null ? List.of() : request.messages();
    for (ChatMessage message : messages) {
      String role;
      ArrayNode parts = NODES.arrayNode();
      switch (message) {
        case ChatMessage.System s -> {
          addTextParts(system, s.content());
          continue;
        }
        case ChatMessage.Developer d -> {
          addTextParts(system, d.content());
          continue;
        }
        case ChatMessage.User u -> {
          role = "user";
          addUserParts(parts, u.content());
        }
        case ChatMessage.Assistant a -> {
          role = "model";
          if (a.content() != null) {
            String text = a.content().text();
            if (!text.isEmpty()) {
              parts.addObject().put("text", text);
            }
          }
          if (a.hasToolCalls()) {
            for (ToolCall call : a.toolCalls()) {
              parts.add(functionCall(call));
              if (call.id() != null && call.function() != null) {
                callNames.put(call.id(), call.function().name());
              }
            }
          }
        }
        case ChatMessage.Tool t -> {
          role = "user";
          String name = callNames.get(t.toolCallId());
          if (name == null && t.extras().get("name") instanceof JsonNode n && n.isTextual()) {
            name = n.asText();
          }
          parts.add(functionResponse(name != null ? name : FILLER_TOOL_NAME, t.content()));
        }
        case ChatMessage.Function f -> {
          role = "user";
          parts.add(functionResponse(f.name() != null ? f.name() : FILLER_TOOL_NAME, f.content()));
        }
      }
      if (parts.isEmpty()) {
        continue;
      }
      if (role.equals(lastRole)) {
        ((ArrayNode) contents.get(contents.size() - 1).get("parts")).addAll(parts);
      } else {
        ObjectNode turn = contents.addObject().put("role", role);
        turn.set("parts", parts);
      }
      lastRole = role;
    }
    if (!system.isEmpty()) {
      body.putObject("systemInstruction").set("parts", system);
    }
    ArrayNode tools = tools(request.tools());
    if (tools != null) {
      body.set("tools", tools);
    }
    ObjectNode toolConfig = toolConfig(request.toolChoice());
    if (toolConfig != null) {
      body.set("toolConfig", toolConfig);
    }
    ObjectNode generationConfig = generationConfig(request);
    if (!generationConfig.isEmpty()) {
      body.set("generationConfig", generationConfig);
    }
    // Gemini's own request fields, for clients that know them.
    copyExtra(request, body, "safetySettings", "safety_settings", "safetySettings");
    copyExtra(request, body, "cachedContent", "cached_content", "cachedContent");
    copyExtra(request, body, "labels", "labels");
    return body;
  }

  private static void copyExtra(ChatRequest request, ObjectNode body, String to, String... from) {
    for (String name : from) {
      JsonNode value = request.extras().get(name);
      if (value != null && !value.isNull()) {
        body.set(to, value);
        return;
      }
    }
  }

  private static void addTextParts(ArrayNode parts, MessageContent content) {
    if (content == null) {
      return;
    }
    switch (content) {
      case MessageContent.Text t -> parts.addObject().put("text", t.text());
      case MessageContent.Parts p -> {
        for (ContentPart part : p.parts()) {
          if (part instanceof ContentPart.TextPart text) {
            parts.addObject().put("text", text.text());
          }
        }
      }
    }
  }

  private static void addUserParts(ArrayNode parts, MessageContent content) {
    if (content == null) {
      return;
    }
    switch (content) {
      case MessageContent.Text t -> parts.addObject().put("text", t.text());
      case MessageContent.Parts p -> {
        for (ContentPart part : p.parts()) {
          switch (part) {
            case ContentPart.TextPart text -> parts.addObject().put("text", text.text());
            case ContentPart.ImagePart image -> addImage(parts, image);
            case ContentPart.OtherPart other -> addOther(parts, other);
          }
        }
      }
    }
  }

  /** As Portkey: a data URL inline, an http(s) or gs:// URL by reference, anything else inline. */
  private static void addImage(ArrayNode parts, ContentPart.ImagePart image) {
    String url = image.imageUrl() == null ? null : image.imageUrl().url();
    if (url == null || url.isEmpty()) {
      return;
    }
    if (url.startsWith("data:")) {
      int comma = url.indexOf(";base64,");
      if (comma < 0) {
        throw new InvalidRequestException(
            "An image data URL must be base64: data:<type>;base64,<data>.",
            "messages.content.image_url",
            null);
      }
      ObjectNode inline = parts.addObject().putObject("inlineData");
      inline.put("mimeType", url.substring("data:".length(), comma));
      inline.put("data", url.substring(comma + ";base64,".length()));
    } else if (url.startsWith("https://") || url.startsWith("http://") || url.startsWith("gs://")) {
      ObjectNode file = parts.addObject().putObject("fileData");
      JsonNode passed = image.imageUrl().extras().get("mime_type");
      file.put("mimeType", passed != null && passed.isTextual() ? passed.asText() : mimeType(url));
      file.put("fileUri", url);
    } else {
      // Portkey's backward compatibility: bare base64 is taken for a JPEG.
      ObjectNode inline = parts.addObject().putObject("inlineData");
      inline.put("mimeType", "image/jpeg");
      inline.put("data", url);
    }
  }

  private static void addOther(ArrayNode parts, ContentPart.OtherPart other) {
    if (other.type().equals("input_audio")) {
      JsonNode audio = other.json().path("input_audio");
      ObjectNode inline = parts.addObject().putObject("inlineData");
      String format = audio.path("format").asText("");
      inline.put("mimeType", AUDIO_MIME_TYPES.getOrDefault(format, "audio/" + format));
      inline.put("data", audio.path("data").asText(""));
      return;
    }
    throw new InvalidRequestException(
        "Content parts of type '" + other.type() + "' are not supported by Gemini.",
        "messages.content",
        null);
  }

  /** The MIME type of a file by its extension, as Portkey's {@code getMimeType} guesses it. */
  static String mimeType(String url) {
    String path = url;
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    int dot = path.lastIndexOf('.');
    String extension = dot < 0 ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
    return switch (extension) {
      case "png" -> "image/png";
      case "jpg", "jpeg" -> "image/jpeg";
      case "webp" -> "image/webp";
      case "gif" -> "image/gif";
      case "heic" -> "image/heic";
      case "heif" -> "image/heif";
      case "pdf" -> "application/pdf";
      case "txt" -> "text/plain";
      case "mp3" -> "audio/mp3";
      case "wav" -> "audio/wav";
      case "mp4" -> "video/mp4";
      case "mov" -> "video/mov";
      case "webm" -> "video/webm";
      default -> "image/jpeg";
    };
  }

  private static ObjectNode functionCall(ToolCall call) {
    if (call.function() == null || call.function().name() == null) {
      throw new InvalidRequestException(
          "A tool call needs a function name.", "messages.tool_calls", null);
    }
    ObjectNode part = NODES.objectNode();
    ObjectNode functionCall = part.putObject("functionCall");
    functionCall.put("name", call.function().name());
    String arguments = call.function().arguments();
    JsonNode args;
    if (arguments == null || arguments.isBlank()) {
      args = NODES.objectNode();
    } else {
      try {
        args = WireJson.tree(arguments);
      } catch (WireFormatException e) {
        throw new InvalidRequestException(
            "The arguments of tool call '" + call.id() + "' are not valid JSON.",
            "messages.tool_calls.function.arguments",
            e);
      }
    }
    functionCall.set("args", args);
    JsonNode signature = call.function().extras().get("thought_signature");
    if (signature != null && signature.isTextual()) {
      part.set("thoughtSignature", signature);
    }
    return part;
  }

  private static ObjectNode functionResponse(String name, MessageContent content) {
    ObjectNode part = NODES.objectNode();
    ObjectNode response = part.putObject("functionResponse");
    response.put("name", name);
    response.putObject("response").put("output", content == null ? "" : content.text());
    return part;
  }

  private static ArrayNode tools(List<Tool> tools) {
    if (tools == null || tools.isEmpty()) {
      return null;
    }
    ArrayNode out = NODES.arrayNode();
    ArrayNode declarations = NODES.arrayNode();
    for (Tool tool : tools) {
      if (!"function".equals(tool.type()) || tool.function() == null) {
        continue;
      }
      Tool.FunctionDefinition function = tool.function();
      if (GOOGLE_SEARCH.contains(function.name())) {
        ObjectNode search = out.addObject().putObject("googleSearch");
        JsonNode range =
            function.parameters() == null ? null : function.parameters().get("timeRangeFilter");
        if (range != null) {
          search.set("timeRangeFilter", range);
        }
        continue;
      }
      ObjectNode declaration = declarations.addObject().put("name", function.name());
      if (function.description() != null) {
        declaration.put("description", function.description());
      }
      if (function.parameters() != null && !function.parameters().isNull()) {
        declaration.set("parameters", GeminiSchemas.clean(function.parameters()));
      }
    }
    if (!declarations.isEmpty()) {
      out.addObject().set("functionDeclarations", declarations);
    }
    return out.isEmpty() ? null : out;
  }

  private static ObjectNode toolConfig(ToolChoice choice) {
    if (choice == null) {
      return null;
    }
    ObjectNode config = NODES.objectNode();
    ObjectNode calling = config.putObject("functionCallingConfig");
    switch (choice) {
      case ToolChoice.Mode m -> {
        String mode =
            switch (m.mode()) {
              case "auto" -> "AUTO";
              case "none" -> "NONE";
              case "required" -> "ANY";
              default -> null;
            };
        if (mode == null) {
          return null;
        }
        calling.put("mode", mode);
      }
      case ToolChoice.Function f -> {
        calling.put("mode", "ANY");
        calling.putArray("allowedFunctionNames").add(f.name());
      }
      case ToolChoice.Other o -> {
        return null;
      }
    }
    return config;
  }

  private static ObjectNode generationConfig(ChatRequest request) {
    ObjectNode config = NODES.objectNode();
    if (request.temperature() != null) {
      config.put("temperature", request.temperature());
    }
    if (request.topP() != null) {
      config.put("topP", request.topP());
    }
    JsonNode topK = request.extras().get("top_k");
    if (topK != null && topK.isNumber()) {
      config.set("topK", topK);
    }
    Integer maxTokens =
        request.maxCompletionTokens() != null ? request.maxCompletionTokens() : request.maxTokens();
    if (maxTokens != null) {
      config.put("maxOutputTokens", maxTokens);
    }
    JsonNode stop = request.stop();
    if (stop != null && stop.isTextual()) {
      config.putArray("stopSequences").add(stop.asText());
    } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
      config.set("stopSequences", stop);
    }
    ResponseFormat format = request.responseFormat();
    if (format != null && "json_object".equals(format.type())) {
      config.put("responseMimeType", "application/json");
    }
    if (format != null && "json_schema".equals(format.type())) {
      config.put("responseMimeType", "application/json");
      JsonNode schema = null;
      if (format.jsonSchema() != null) {
        schema = format.jsonSchema().schema();
        if (schema == null) {
          schema = WireJson.mapper().valueToTree(format.jsonSchema());
        }
      }
      if (schema != null) {
        config.set("responseSchema", GeminiSchemas.clean(schema));
      }
    }
    if (Boolean.TRUE.equals(request.logprobs())) {
      config.put("responseLogprobs", true);
    }
    if (request.topLogprobs() != null) {
      config.put("logprobs", request.topLogprobs());
    }
    if (request.seed() != null) {
      config.put("seed", request.seed());
    }
    JsonNode thinking = request.extras().get("thinking");
    if (thinking != null && thinking.isObject()) {
      ObjectNode thinkingConfig = config.putObject("thinkingConfig");
      JsonNode budget = thinking.get("budget_tokens");
      boolean enabled = "enabled".equals(thinking.path("type").asText()) && budget != null;
      thinkingConfig.put("includeThoughts", enabled);
      if (budget != null && budget.isNumber()) {
        thinkingConfig.set("thinkingBudget", budget);
      }
    }
    JsonNode effort = request.extras().get("reasoning_effort");
    if (effort != null && effort.isTextual() && !effort.asText().equals("none")) {
      config.putObject("thinkingConfig").put("thinkingLevel", effort.asText());
    }
    JsonNode modalities = request.extras().get("modalities");
    if (modalities != null && modalities.isArray()) {
      ArrayNode upper = config.putArray("responseModalities");
      modalities.forEach(m -> upper.add(m.asText().toUpperCase(Locale.ROOT)));
    }
    return config;
  }
}
