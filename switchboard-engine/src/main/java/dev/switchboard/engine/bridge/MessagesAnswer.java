package dev.switchboard.engine.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.util.UUID;

/**
 * A chat completion as Anthropic's {@code message} object
 * (https://docs.anthropic.com/en/api/messages#response): {@code id} {@code msg_…}, the reasoning (a
 * {@code thinking} block, unsigned, when the provider tells it), the text as a {@code text} block,
 * each tool call as a {@code tool_use} block ({@code toolu_…} id, arguments as the {@code input}
 * object), the finish reason as {@link #stopReason}, the usage as {@link #usage}. Pure: no HTTP.
 */
final class MessagesAnswer {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private MessagesAnswer() {}

  static ObjectNode of(ChatCompletion answer, JsonNode stops) {
    JsonNode chat = WireJson.mapper().valueToTree(answer);
    JsonNode choice = chat.path("choices").path(0);
    JsonNode message = choice.path("message");
    ObjectNode out = NODES.objectNode();
    out.put("id", messageId(answer.id()));
    out.put("type", "message");
    out.put("role", "assistant");
    out.put("model", answer.model());
    ArrayNode content = out.putArray("content");
    String reasoning = reasoningOf(message);
    if (reasoning != null && !reasoning.isEmpty()) {
      content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "");
    }
    if (message.path("content").isTextual() && !message.get("content").asText().isEmpty()) {
      content.addObject().put("type", "text").put("text", message.get("content").asText());
    }
    for (JsonNode call : message.path("tool_calls")) {
      ObjectNode block = content.addObject().put("type", "tool_use");
      block.put("id", toolUseId(call.path("id").asText("")));
      block.put("name", call.path("function").path("name").asText());
      block.set("input", input(call.path("function").path("arguments").asText("")));
    }
    String finish = choice.path("finish_reason").asText(null);
    String stopSequence = stopSequence(choice, stops);
    out.put("stop_reason", stopReason(finish, stopSequence));
    out.put("stop_sequence", stopSequence);
    out.set("usage", usage(answer.usage()));
    return out;
  }

  /** Anthropic's {@code msg_…} id for a chat completion's id (a new one when it has none). */
  static String messageId(String chatId) {
    String id = chatId == null ? UUID.randomUUID().toString() : chatId;
    return id.startsWith("msg_") ? id : "msg_" + id.replaceAll("[^A-Za-z0-9_]", "");
  }

  /**
   * Anthropic's {@code toolu_…} id for a chat tool call's id. The id goes back to the provider as
   * it is given here (in the history's {@code tool_use} and {@code tool_result} alike), so the two
   * stay paired whatever the prefix.
   */
  static String toolUseId(String callId) {
    return callId.startsWith("toolu_")
        ? callId
        : "toolu_" + callId.replaceAll("[^A-Za-z0-9_-]", "");
  }

  /**
   * A finish reason as Anthropic's stop reason
   * (https://docs.anthropic.com/en/api/messages#response-stop-reason): {@code stop} → {@code
   * end_turn}, or {@code stop_sequence} when the provider said which stop sequence ended it; {@code
   * length} → {@code max_tokens}; {@code tool_calls} (and the older {@code function_call}) → {@code
   * tool_use}; {@code content_filter} → {@code refusal}.
   */
  static String stopReason(String finishReason, String stopSequence) {
    if (finishReason == null) {
      return "end_turn";
    }
    return switch (finishReason) {
      case "length" -> "max_tokens";
      case "tool_calls", "function_call" -> "tool_use";
      case "content_filter" -> "refusal";
      default -> stopSequence != null ? "stop_sequence" : "end_turn";
    };
  }

  /**
   * The stop sequence that ended the answer, where the provider says it: OpenAI's chat API does
   * not, vLLM-style servers put it in the choice's {@code stop_reason}; {@code null} otherwise.
   */
  static String stopSequence(JsonNode choice, JsonNode stops) {
    JsonNode said = choice.path("stop_reason");
    if (!said.isTextual() || stops == null) {
      return null;
    }
    for (JsonNode stop : stops) {
      if (stop.asText().equals(said.asText())) {
        return said.asText();
      }
    }
    return null;
  }

  /**
   * A chat usage in Anthropic's form: {@code input_tokens} leaves out the prompt tokens read from
   * the provider's cache, which are {@code cache_read_input_tokens} (OpenAI's {@code prompt_tokens}
   * count them); {@code cache_creation_input_tokens} is what the provider says it wrote, else 0.
   * All zero when the provider told no usage.
   */
  static ObjectNode usage(Usage usage) {
    ObjectNode out = NODES.objectNode();
    int prompt = usage == null || usage.promptTokens() == null ? 0 : usage.promptTokens();
    int completion =
        usage == null || usage.completionTokens() == null ? 0 : usage.completionTokens();
    int read = 0;
    int written = 0;
    if (usage != null) {
      JsonNode anthropicRead = usage.extras().get("cache_read_input_tokens");
      JsonNode anthropicWritten = usage.extras().get("cache_creation_input_tokens");
      if (anthropicRead != null) {
        // Already Anthropic's counts (a translation that kept them): the prompt excludes them.
        read = anthropicRead.asInt(0);
      } else if (usage.promptTokensDetails() != null
          && usage.promptTokensDetails().cachedTokens() != null) {
        read = usage.promptTokensDetails().cachedTokens();
        prompt = Math.max(0, prompt - read);
      }
      written = anthropicWritten == null ? 0 : anthropicWritten.asInt(0);
    }
    out.put("input_tokens", prompt);
    out.put("cache_creation_input_tokens", written);
    out.put("cache_read_input_tokens", read);
    out.put("output_tokens", completion);
    return out;
  }

  /** A tool call's arguments as the {@code input} object; not an object (a model's slip): {}. */
  static ObjectNode input(String arguments) {
    if (arguments.isBlank()) {
      return NODES.objectNode();
    }
    try {
      JsonNode parsed = WireJson.tree(arguments);
      return parsed.isObject() ? (ObjectNode) parsed : NODES.objectNode();
    } catch (WireFormatException e) {
      return NODES.objectNode();
    }
  }

  /**
   * The reasoning a provider tells beside the answer ({@code reasoning_content}, {@code
   * reasoning}).
   */
  static String reasoningOf(JsonNode messageOrDelta) {
    for (String field : new String[] {"reasoning_content", "reasoning"}) {
      JsonNode value = messageOrDelta.path(field);
      if (value.isTextual()) {
        return value.asText();
      }
    }
    return null;
  }
}
