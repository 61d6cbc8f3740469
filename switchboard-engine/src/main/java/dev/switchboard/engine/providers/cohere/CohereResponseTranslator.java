package dev.switchboard.engine.providers.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.ModelList;
import dev.switchboard.wire.WireJson;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * Cohere's v2 answers in OpenAI's format: a chat response
 * (https://docs.cohere.com/reference/chat#response), an embed response and the model list.
 */
final class CohereResponseTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private CohereResponseTranslator() {}

  /**
   * v2's {@code finish_reason} as OpenAI's: {@code COMPLETE} and {@code STOP_SEQUENCE} → {@code
   * stop}, {@code MAX_TOKENS} → {@code length}, {@code TOOL_CALL} → {@code tool_calls}; {@code
   * ERROR} and {@code TIMEOUT} → {@code stop}, as Portkey maps them.
   */
  static String finishReason(String cohere) {
    return switch (cohere == null ? "" : cohere) {
      case "MAX_TOKENS" -> "length";
      case "TOOL_CALL" -> "tool_calls";
      default -> "stop";
    };
  }

  /**
   * v2's usage: {@code tokens} (what the model saw) when present, else {@code billed_units}, as
   * Portkey reads them.
   */
  static ObjectNode usage(JsonNode usage) {
    int input = count(usage, "input_tokens");
    int output = count(usage, "output_tokens");
    return NODES
        .objectNode()
        .put("prompt_tokens", input)
        .put("completion_tokens", output)
        .put("total_tokens", input + output);
  }

  private static int count(JsonNode usage, String name) {
    JsonNode tokens = usage.path("tokens").path(name);
    return tokens.isNumber() ? tokens.asInt() : usage.path("billed_units").path(name).asInt(0);
  }

  /** The chat answer: text items joined as {@code content}, {@code tool_calls} as v2 gives them. */
  static ChatCompletion toChatCompletion(JsonNode response, String model, long created) {
    ObjectNode completion = NODES.objectNode();
    completion.put("id", response.path("id").asText());
    completion.put("object", "chat.completion");
    completion.put("created", created);
    completion.put("model", model);
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant");
    StringBuilder text = new StringBuilder();
    boolean anyText = false;
    for (JsonNode item : response.path("message").path("content")) {
      if (item.path("type").asText().equals("text")) {
        text.append(item.path("text").asText());
        anyText = true;
      }
    }
    JsonNode calls = response.path("message").path("tool_calls");
    boolean hasCalls = calls.isArray() && !calls.isEmpty();
    if (anyText || !hasCalls) {
      message.put("content", text.toString());
    } else {
      message.putNull("content");
    }
    message.putNull("refusal"); // OpenAI's schema requires the key in a response message
    if (hasCalls) {
      ArrayNode toolCalls = message.putArray("tool_calls");
      for (JsonNode call : calls) {
        ObjectNode out = toolCalls.addObject();
        out.put("id", call.path("id").asText());
        out.put("type", "function");
        out.putObject("function")
            .put("name", call.at("/function/name").asText())
            .put("arguments", call.at("/function/arguments").asText("{}"));
      }
    }
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason(response.path("finish_reason").asText(null)));
    completion.set("usage", usage(response.path("usage")));
    return WireJson.convert(completion, ChatCompletion.class);
  }

  /**
   * The embed answer's {@code embeddings.float} as OpenAI's data, or as little-endian float32 in
   * base64 when the request asked for {@code encoding_format: "base64"}; usage from {@code
   * meta.billed_units} (or {@code meta.tokens}).
   */
  static EmbeddingResponse toEmbeddings(JsonNode response, String model, boolean base64) {
    ObjectNode out = NODES.objectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    int index = 0;
    for (JsonNode vector : response.path("embeddings").path("float")) {
      ObjectNode item = data.addObject().put("object", "embedding").put("index", index++);
      if (base64) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        vector.forEach(value -> bytes.putFloat(value.floatValue()));
        item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
      } else {
        item.set("embedding", vector);
      }
    }
    out.put("model", model);
    JsonNode meta = response.path("meta");
    int input = count(meta, "input_tokens");
    out.putObject("usage").put("prompt_tokens", input).put("total_tokens", input);
    return WireJson.convert(out, EmbeddingResponse.class);
  }

  /** {@code GET /v1/models}'s {@code models[].name} as OpenAI's list of {@code model} objects. */
  static ModelList toModelList(JsonNode response) {
    ObjectNode out = NODES.objectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    for (JsonNode model : response.path("models")) {
      data.addObject()
          .put("id", model.path("name").asText())
          .put("object", "model")
          .put("created", 0)
          .put("owned_by", "cohere");
    }
    return WireJson.convert(out, ModelList.class);
  }
}
