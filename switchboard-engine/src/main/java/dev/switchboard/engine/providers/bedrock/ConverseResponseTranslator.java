package dev.switchboard.engine.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.MessageContent;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Bedrock's Converse response to OpenAI's chat completion
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax).
 */
final class ConverseResponseTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ConverseResponseTranslator() {}

  /**
   * @param strictOpenAiCompliance Portkey's {@code strict_open_ai_compliance} (on unless the
   *     request sets it to {@code false}): off, the answer also carries {@code content_blocks}
   *     (text, thinking, redacted thinking) and Bedrock's own stop reason, as Portkey's does
   */
  static ChatCompletion translateResponse(
      JsonNode response, String model, String id, long created, boolean strictOpenAiCompliance) {
    List<String> texts = new ArrayList<>();
    List<ToolCall> toolCalls = new ArrayList<>();
    ArrayNode contentBlocks = NODES.arrayNode();
    for (JsonNode block : response.path("output").path("message").path("content")) {
      if (block.has("text")) {
        texts.add(block.get("text").asText());
        contentBlocks.addObject().put("type", "text").put("text", block.get("text").asText());
      } else if (block.has("toolUse")) {
        JsonNode use = block.get("toolUse");
        toolCalls.add(
            ToolCall.function(
                use.path("toolUseId").asText(),
                use.path("name").asText(),
                WireJson.writeString(
                    use.path("input").isMissingNode() ? NODES.objectNode() : use.get("input"))));
      } else if (block.has("reasoningContent")) {
        thinkingBlock(block.get("reasoningContent"), contentBlocks);
      }
    }
    Map<String, JsonNode> messageExtras = new HashMap<>();
    if (!strictOpenAiCompliance) {
      // Portkey shows the blocks, reasoning among them, as content_blocks beside the text; sent
      // back on the assistant turn, they become reasoningContent again.
      messageExtras.put("content_blocks", contentBlocks);
    }
    String text = String.join("\n", texts);
    ChatMessage.Assistant message =
        ChatMessage.Assistant.reply(
            texts.isEmpty() && !toolCalls.isEmpty() ? null : MessageContent.of(text),
            null,
            toolCalls.isEmpty() ? null : toolCalls,
            messageExtras);
    ChatCompletion.Choice choice =
        new ChatCompletion.Choice(
            0,
            message,
            null,
            finishReason(response.path("stopReason").asText(null), strictOpenAiCompliance),
            null);
    return new ChatCompletion(
        id,
        "chat.completion",
        created,
        model,
        List.of(choice),
        usage(response.path("usage")),
        null,
        null,
        null);
  }

  static void thinkingBlock(JsonNode reasoningContent, ArrayNode out) {
    JsonNode reasoningText = reasoningContent.get("reasoningText");
    if (reasoningText != null) {
      ObjectNode thinking = out.addObject().put("type", "thinking");
      thinking.put("thinking", reasoningText.path("text").asText(""));
      if (reasoningText.hasNonNull("signature")) {
        thinking.put("signature", reasoningText.get("signature").asText());
      }
    } else if (reasoningContent.has("redactedContent")) {
      out.addObject()
          .put("type", "redacted_thinking")
          .put("data", reasoningContent.get("redactedContent").asText());
    }
  }

  /**
   * Converse's stop reason as OpenAI's finish reason
   * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax);
   * without strict compliance, Bedrock's own reason, as Portkey does.
   */
  static String finishReason(String stopReason, boolean strictOpenAiCompliance) {
    if (stopReason == null) {
      return null;
    }
    if (!strictOpenAiCompliance) {
      return stopReason;
    }
    return switch (stopReason) {
      case "tool_use" -> "tool_calls";
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "guardrail_intervened", "content_filtered" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence
    };
  }

  /**
   * Converse's token counts as OpenAI's usage, as Portkey maps them: cache reads and writes count
   * as prompt tokens, cache reads are also {@code cached_tokens}, and both are shown under
   * Anthropic's names when there are any.
   */
  static Usage usage(JsonNode usage) {
    if (usage == null || usage.isMissingNode() || usage.isNull()) {
      return null;
    }
    int input = usage.path("inputTokens").asInt(0);
    int output = usage.path("outputTokens").asInt(0);
    int cacheRead = usage.path("cacheReadInputTokens").asInt(0);
    int cacheWrite = usage.path("cacheWriteInputTokens").asInt(0);
    int total =
        usage.has("totalTokens")
            ? usage.get("totalTokens").asInt()
            : input + output + cacheRead + cacheWrite;
    Map<String, JsonNode> extras = new HashMap<>();
    if (cacheRead > 0 || cacheWrite > 0) {
      extras.put("cache_read_input_tokens", NODES.numberNode(cacheRead));
      extras.put("cache_creation_input_tokens", NODES.numberNode(cacheWrite));
    }
    return new Usage(
        input + cacheRead + cacheWrite,
        output,
        total,
        new Usage.PromptTokensDetails(cacheRead, null, null),
        null,
        extras);
  }
}
