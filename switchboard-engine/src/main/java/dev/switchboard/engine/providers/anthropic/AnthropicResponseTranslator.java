package dev.switchboard.engine.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.MessageContent;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates an Anthropic Messages API response (https://docs.anthropic.com/en/api/messages) into
 * an OpenAI chat completion, as Portkey does: text blocks joined into {@code content}, {@code
 * tool_use} blocks as {@code tool_calls}, {@code stop_reason} as {@code finish_reason}, usage with
 * Anthropic's cache figures. Pure: no HTTP.
 */
public final class AnthropicResponseTranslator {
  private AnthropicResponseTranslator() {}

  /**
   * @param message Anthropic's {@code {"type":"message",...}}
   * @param strictOpenAiCompliance Portkey's {@code x-portkey-strict-open-ai-compliance} (default
   *     true); when false, the message also carries Anthropic's {@code content_blocks} (text and
   *     thinking blocks, with signatures) and the finish reason is Anthropic's own
   * @param created the response's {@code created} time, in seconds
   */
  public static ChatCompletion toChatCompletion(
      JsonNode message, boolean strictOpenAiCompliance, long created) {
    StringBuilder text = new StringBuilder();
    boolean anyText = false;
    List<ToolCall> toolCalls = new ArrayList<>();
    ArrayNode contentBlocks = JsonNodeFactory.instance.arrayNode();
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> {
          anyText = true;
          text.append(block.path("text").asText());
          contentBlocks.add(block);
        }
        case "tool_use" ->
            toolCalls.add(
                ToolCall.function(
                    block.path("id").asText(),
                    block.path("name").asText(),
                    block.path("input").isMissingNode() ? "{}" : block.get("input").toString()));
        default -> contentBlocks.add(block);
      }
    }
    Map<String, JsonNode> messageExtras = new LinkedHashMap<>();
    if (!strictOpenAiCompliance) {
      messageExtras.put("content_blocks", contentBlocks);
    }
    var assistant =
        ChatMessage.Assistant.reply(
            // An answer that is only tool calls has no content, as OpenAI's and Bedrock's (Portkey
            // sends ""), so an agent sees the same message from every provider.
            !anyText && !toolCalls.isEmpty() ? null : MessageContent.of(text.toString()),
            null,
            toolCalls.isEmpty() ? null : toolCalls,
            messageExtras);
    var choice =
        new ChatCompletion.Choice(
            0,
            assistant,
            null,
            finishReason(textOrNull(message.path("stop_reason")), strictOpenAiCompliance),
            null);
    return new ChatCompletion(
        message.path("id").asText(null),
        "chat.completion",
        created,
        message.path("model").asText(null),
        List.of(choice),
        usage(message.path("usage"), message.path("usage")),
        null,
        null,
        // No provider field, which Portkey adds: OpenAI's schema has none, and a translated answer
        // has exactly its keys (issue 17).
        Map.of());
  }

  /**
   * Anthropic's stop reason as OpenAI's finish reason
   * (https://docs.anthropic.com/en/api/messages#response-stop-reason): {@code end_turn}, {@code
   * stop_sequence} and {@code pause_turn} → {@code stop}, {@code tool_use} → {@code tool_calls},
   * {@code max_tokens} → {@code length}, {@code refusal} → {@code content_filter}, anything else →
   * {@code stop}. Without strict compliance, Anthropic's reason is kept, as Portkey does.
   */
  public static String finishReason(String stopReason, boolean strictOpenAiCompliance) {
    if (stopReason == null) {
      return "stop";
    }
    if (!strictOpenAiCompliance) {
      return stopReason;
    }
    return switch (stopReason) {
      case "tool_use" -> "tool_calls";
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "refusal" -> "content_filter";
      default -> "stop";
    };
  }

  /**
   * OpenAI usage from Anthropic's: the prompt is {@code input_tokens} (which excludes cached
   * tokens), the total adds the cache reads and writes, {@code prompt_tokens_details.cached_tokens}
   * is the cache reads; when either cache figure is non-zero both are also kept under Anthropic's
   * names, as Portkey does.
   *
   * @param input where the input and cache figures are ({@code message_start}'s usage in a stream)
   * @param output where {@code output_tokens} is ({@code message_delta}'s usage in a stream)
   */
  public static Usage usage(JsonNode input, JsonNode output) {
    int prompt = input.path("input_tokens").asInt(0);
    int completion = output.path("output_tokens").asInt(0);
    JsonNode cacheRead = input.path("cache_read_input_tokens");
    JsonNode cacheCreation = input.path("cache_creation_input_tokens");
    int read = cacheRead.asInt(0);
    int created = cacheCreation.asInt(0);
    Map<String, JsonNode> extras = new LinkedHashMap<>();
    if (read != 0 || created != 0) {
      extras.put("cache_read_input_tokens", IntNode.valueOf(read));
      extras.put("cache_creation_input_tokens", IntNode.valueOf(created));
    }
    return new Usage(
        prompt,
        completion,
        prompt + completion + read + created,
        new Usage.PromptTokensDetails(read, null, null),
        null,
        extras);
  }

  private static String textOrNull(JsonNode node) {
    return node.isTextual() ? node.asText() : null;
  }
}
