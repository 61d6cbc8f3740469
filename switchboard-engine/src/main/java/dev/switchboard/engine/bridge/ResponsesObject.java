package dev.switchboard.engine.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.WireJson;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One Responses API answer made from a chat answer: its {@code response} object
 * (https://platform.openai.com/docs/api-reference/responses/object) at each stage (in progress,
 * then completed or incomplete), echoing the request's settings as OpenAI does, and its output
 * items. Its ids are minted as OpenAI's look ({@code resp_…}, {@code rs_…}, {@code msg_…}, {@code
 * fc_…}, {@code ctc_…}).
 */
final class ResponsesObject {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ObjectNode request;
  private final String id = id("resp_");
  private final long createdAt;
  private String model;

  /**
   * @param request the client's Responses request, whose settings the object echoes
   * @param createdAt when the answer was made, in seconds since the epoch
   */
  ResponsesObject(ObjectNode request, long createdAt) {
    this.request = request;
    this.createdAt = createdAt;
    this.model = request.path("model").asText(null);
  }

  /** The model the provider says answered, which the object names from now on. */
  void answeredBy(String answerModel) {
    if (answerModel != null && !answerModel.isBlank()) {
      model = answerModel;
    }
  }

  /** A new id in OpenAI's form: the prefix, then 48 hexadecimal digits. */
  static String id(String prefix) {
    byte[] random = new byte[24];
    ThreadLocalRandom.current().nextBytes(random);
    return prefix + HexFormat.of().formatHex(random);
  }

  /**
   * The response object, its keys in OpenAI's order.
   *
   * @param finishReason the chat answer's finish reason, which tells an incomplete answer; {@code
   *     null} while in progress
   * @param usage the Responses usage, or {@code null} while in progress
   */
  ObjectNode object(String status, ArrayNode output, String finishReason, ObjectNode usage) {
    ObjectNode response =
        NODES
            .objectNode()
            .put("id", id)
            .put("object", "response")
            .put("created_at", createdAt)
            .put("status", status)
            .put("background", false);
    response.putNull("error");
    String incomplete = incompleteReason(finishReason);
    if (incomplete != null) {
      response.putObject("incomplete_details").put("reason", incomplete);
    } else {
      response.putNull("incomplete_details");
    }
    echo(response, "instructions", NODES.nullNode());
    echo(response, "max_output_tokens", NODES.nullNode());
    echo(response, "max_tool_calls", NODES.nullNode());
    response.put("model", model);
    response.set("output", output);
    echo(response, "parallel_tool_calls", NODES.booleanNode(true));
    response.putNull("previous_response_id");
    ObjectNode reasoning = response.putObject("reasoning");
    reasoning.set("effort", orNull(request.path("reasoning").get("effort")));
    reasoning.set("summary", orNull(request.path("reasoning").get("summary")));
    echo(response, "service_tier", NODES.textNode("default"));
    echo(response, "temperature", NODES.numberNode(1.0));
    ObjectNode text = response.putObject("text");
    JsonNode format = request.path("text").get("format");
    text.set("format", format == null ? NODES.objectNode().put("type", "text") : format);
    echo(text, request.path("text"), "verbosity", NODES.textNode("medium"));
    echo(response, "tool_choice", NODES.textNode("auto"));
    echo(response, "tools", NODES.arrayNode());
    echo(response, "top_logprobs", NODES.numberNode(0));
    echo(response, "top_p", NODES.numberNode(1.0));
    echo(response, "truncation", NODES.textNode("disabled"));
    response.set("usage", usage == null ? NODES.nullNode() : usage);
    echo(response, "user", NODES.nullNode());
    echo(response, "metadata", NODES.objectNode());
    return response;
  }

  /** The status a chat answer with this finish reason ends in. */
  static String status(String finishReason) {
    return incompleteReason(finishReason) == null ? "completed" : "incomplete";
  }

  /** Why an answer that ended for this reason is incomplete, or {@code null} when it is not. */
  private static String incompleteReason(String finishReason) {
    if (finishReason == null) {
      return null;
    }
    return switch (finishReason) {
      case "length" -> "max_output_tokens";
      case "content_filter" -> "content_filter";
      default -> null;
    };
  }

  /**
   * A chat usage ({@code prompt_tokens}, …) as the Responses API's: {@code input_tokens} with the
   * cached ones among them ({@code input_tokens_details.cached_tokens}, and the cache writes,
   * {@code cache_write_tokens}), {@code output_tokens} with the reasoning ones ({@code
   * output_tokens_details.reasoning_tokens}), {@code total_tokens}. A chat usage whose prompt count
   * leaves the prompt cache out (Anthropic's translation: its total adds the cache reads and
   * writes) has them added back, so that {@code input_tokens} counts every prompt token as OpenAI's
   * does.
   */
  static ObjectNode usage(JsonNode chat) {
    if (chat == null || !chat.isObject()) {
      return null;
    }
    long prompt = chat.path("prompt_tokens").asLong(0);
    long completion = chat.path("completion_tokens").asLong(0);
    long cached = chat.path("prompt_tokens_details").path("cached_tokens").asLong(0);
    long written = chat.path("cache_creation_input_tokens").asLong(0);
    long total = chat.path("total_tokens").asLong(prompt + completion);
    if (cached + written > 0 && total == prompt + completion + cached + written) {
      prompt += cached + written;
    }
    ObjectNode usage = NODES.objectNode().put("input_tokens", prompt);
    usage
        .putObject("input_tokens_details")
        .put("cached_tokens", cached)
        .put("cache_write_tokens", written);
    usage.put("output_tokens", completion);
    usage
        .putObject("output_tokens_details")
        .put(
            "reasoning_tokens",
            chat.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
    usage.put("total_tokens", prompt + completion);
    return usage;
  }

  /** An assistant message item holding {@code content} parts. */
  static ObjectNode message(String id, String status, ArrayNode content) {
    ObjectNode message =
        NODES
            .objectNode()
            .put("id", id)
            .put("type", "message")
            .put("status", status)
            .put("role", "assistant");
    message.set("content", content);
    return message;
  }

  /**
   * A {@code reasoning} item: the model's thinking, as a summary (the chat answer's reasoning text
   * is what the model chose to show, as a Responses summary is); no summary while in progress.
   */
  static ObjectNode reasoning(String id, String text) {
    ObjectNode item = NODES.objectNode().put("id", id).put("type", "reasoning");
    ArrayNode summary = item.putArray("summary");
    if (text != null) {
      summary.add(summaryText(text));
    }
    return item;
  }

  /** A reasoning item's {@code summary_text} part. */
  static ObjectNode summaryText(String text) {
    return NODES.objectNode().put("type", "summary_text").put("text", text);
  }

  /** An {@code output_text} content part, or a {@code refusal} one. */
  static ObjectNode part(boolean refusal, String text) {
    if (refusal) {
      return NODES.objectNode().put("type", "refusal").put("refusal", text);
    }
    ObjectNode part = NODES.objectNode().put("type", "output_text");
    part.putArray("annotations");
    part.put("text", text);
    return part;
  }

  /**
   * A tool call item: a {@code function_call}, or, for a custom tool, a {@code custom_tool_call}
   * whose {@code input} is the function's one string argument.
   */
  static ObjectNode toolCall(
      boolean custom, String id, String status, String callId, String name, String arguments) {
    ObjectNode item = NODES.objectNode();
    if (custom) {
      // A custom tool call has no status (OpenAI's ResponseCustomToolCall).
      item.put("type", "custom_tool_call").put("id", id);
      item.put("call_id", callId).put("input", customInput(arguments)).put("name", name);
    } else {
      item.put("type", "function_call").put("id", id).put("status", status);
      item.put("arguments", arguments).put("call_id", callId).put("name", name);
    }
    return item;
  }

  /** A custom tool's input from the arguments of the function it was offered as. */
  static String customInput(String arguments) {
    try {
      JsonNode input = WireJson.tree(arguments).get("input");
      return input != null && input.isTextual() ? input.asText() : arguments;
    } catch (RuntimeException notJson) {
      return arguments;
    }
  }

  private void echo(ObjectNode response, String field, JsonNode otherwise) {
    echo(response, request, field, otherwise);
  }

  private static void echo(ObjectNode to, JsonNode from, String field, JsonNode otherwise) {
    JsonNode value = from.get(field);
    to.set(field, value == null || value.isNull() ? otherwise : value);
  }

  private static JsonNode orNull(JsonNode value) {
    return value == null ? NODES.nullNode() : value;
  }
}
