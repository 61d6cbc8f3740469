package dev.switchboard.engine.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.MessageContent;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Translates a Gemini {@code GenerateContentResponse}
 * (https://ai.google.dev/api/generate-content#generatecontentresponse) into an OpenAI chat
 * completion, as Portkey does: text parts joined into {@code content}, {@code functionCall} parts
 * into {@code tool_calls} with ids the gateway makes (Gemini gives none), {@code finishReason} and
 * {@code usageMetadata} mapped. Pure: no HTTP.
 */
final class GeminiResponseTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private GeminiResponseTranslator() {}

  /**
   * @param model the model the client asked for, used when Gemini names no {@code modelVersion}
   * @param strict Portkey's {@code strict_open_ai_compliance}: when off, Gemini's own finish reason
   *     and thought parts (as {@code content_blocks}) are shown
   * @param turn where the answer falls in the conversation (the request's message count), which
   *     keeps the made-up call ids of different turns apart
   */
  public static ChatCompletion toChatCompletion(
      JsonNode response, String model, boolean strict, long created, int turn) {
    List<ChatCompletion.Choice> choices = new ArrayList<>();
    JsonNode candidates = response.path("candidates");
    for (int i = 0; i < candidates.size(); i++) {
      JsonNode candidate = candidates.get(i);
      int index = candidate.path("index").asInt(i);
      StringBuilder text = new StringBuilder();
      boolean hasText = false;
      List<ToolCall> toolCalls = new ArrayList<>();
      ArrayNode blocks = NODES.arrayNode();
      for (JsonNode part : candidate.path("content").path("parts")) {
        if (part.has("functionCall")) {
          JsonNode call = part.get("functionCall");
          String name = call.path("name").asText();
          String arguments = arguments(call);
          ToolCall.FunctionCall function =
              new ToolCall.FunctionCall(name, arguments, thoughtSignature(part, strict));
          toolCalls.add(
              new ToolCall(
                  null,
                  callId(call, turn, index, toolCalls.size(), name, arguments),
                  "function",
                  function,
                  null));
        } else if (part.has("text")) {
          if (part.path("thought").asBoolean(false)) {
            blocks.addObject().put("type", "thinking").put("thinking", part.path("text").asText());
          } else {
            text.append(part.path("text").asText());
            hasText = true;
            blocks.addObject().put("type", "text").put("text", part.path("text").asText());
          }
        } else if (part.has("inlineData")) {
          JsonNode data = part.get("inlineData");
          blocks
              .addObject()
              .put("type", "image_url")
              .putObject("image_url")
              .put(
                  "url",
                  "data:"
                      + data.path("mimeType").asText()
                      + ";base64,"
                      + data.path("data").asText());
        }
      }
      Map<String, JsonNode> extras = new HashMap<>();
      if (!strict && !blocks.isEmpty()) {
        extras.put("content_blocks", blocks);
      }
      ChatMessage.Assistant message =
          ChatMessage.Assistant.reply(
              hasText && !text.isEmpty() ? MessageContent.of(text.toString()) : null,
              null,
              toolCalls.isEmpty() ? null : toolCalls,
              extras);
      Map<String, JsonNode> choiceExtras = new HashMap<>();
      if (!strict && candidate.has("groundingMetadata")) {
        choiceExtras.put("groundingMetadata", candidate.get("groundingMetadata"));
      }
      choices.add(
          new ChatCompletion.Choice(
              index,
              message,
              null,
              finishReason(
                  candidate.path("finishReason").asText(null), !toolCalls.isEmpty(), strict),
              choiceExtras));
    }
    String blocked = response.path("promptFeedback").path("blockReason").asText(null);
    if (choices.isEmpty() && blocked != null) {
      choices.add(
          new ChatCompletion.Choice(
              0,
              ChatMessage.Assistant.reply(null, null, null, null),
              null,
              strict ? "content_filter" : blocked,
              null));
    }
    return new ChatCompletion(
        completionId(response),
        "chat.completion",
        created,
        response.path("modelVersion").asText(model),
        choices,
        usage(response.path("usageMetadata")),
        null,
        null,
        null);
  }

  /** Gemini's response id when it gives one; else one in Portkey's form. */
  static String completionId(JsonNode response) {
    String id = response.path("responseId").asText("");
    return id.isEmpty() ? "portkey-" + UUID.randomUUID() : id;
  }

  /** A function call's {@code args} as OpenAI's {@code arguments} string. */
  static String arguments(JsonNode call) {
    JsonNode args = call.get("args");
    return args == null || args.isNull() ? "{}" : args.toString();
  }

  static Map<String, JsonNode> thoughtSignature(JsonNode part, boolean strict) {
    JsonNode signature = part.get("thoughtSignature");
    if (strict || signature == null) {
      return null;
    }
    return Map.of("thought_signature", signature);
  }

  /**
   * The id of a function call: Gemini's own when it gives one; else one in Portkey's form, {@code
   * portkey-<uuid>}, but derived from the call (its turn, candidate, position, name and arguments)
   * rather than random, so that the same answer streamed or whole, or replayed from the cache,
   * carries the same ids.
   */
  static String callId(
      JsonNode call, int turn, int candidate, int position, String name, String arguments) {
    String own = call.path("id").asText("");
    if (!own.isEmpty()) {
      return own;
    }
    String seed = turn + "\n" + candidate + "\n" + position + "\n" + name + "\n" + arguments;
    return "portkey-" + UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Gemini's finish reason (https://ai.google.dev/api/generate-content#FinishReason) as OpenAI's,
   * mapped as Portkey maps them; {@code STOP} with function calls is {@code tool_calls}, as OpenAI
   * says it. With strict compliance off, Gemini's own reason.
   */
  static String finishReason(String reason, boolean calledTools, boolean strict) {
    if (reason == null || reason.isEmpty()) {
      return calledTools ? "tool_calls" : "stop";
    }
    if (!strict) {
      return reason;
    }
    return switch (reason) {
      case "MAX_TOKENS" -> "length";
      case "SAFETY",
          "LANGUAGE",
          "BLOCKLIST",
          "PROHIBITED_CONTENT",
          "SPII",
          "IMAGE_SAFETY",
          "IMAGE_PROHIBITED_CONTENT" ->
          "content_filter";
      case "STOP" -> calledTools ? "tool_calls" : "stop";
      default -> "stop"; // RECITATION, OTHER, MALFORMED_FUNCTION_CALL, …, as Portkey
    };
  }

  /**
   * {@code usageMetadata} as OpenAI's usage, as Portkey maps it: {@code candidatesTokenCount} is
   * the completion, {@code thoughtsTokenCount} the reasoning tokens, {@code
   * cachedContentTokenCount} the cached prompt tokens.
   */
  static Usage usage(JsonNode metadata) {
    if (metadata.isMissingNode() || metadata.isNull()) {
      return null;
    }
    int prompt = metadata.path("promptTokenCount").asInt(0);
    int completion = metadata.path("candidatesTokenCount").asInt(0);
    int total = metadata.path("totalTokenCount").asInt(prompt + completion);
    ObjectNode completionDetails = NODES.objectNode();
    completionDetails.put("reasoning_tokens", metadata.path("thoughtsTokenCount").asInt(0));
    return new Usage(
        prompt,
        completion,
        total,
        new Usage.PromptTokensDetails(
            metadata.path("cachedContentTokenCount").asInt(0), null, null),
        completionDetails,
        null);
  }
}
