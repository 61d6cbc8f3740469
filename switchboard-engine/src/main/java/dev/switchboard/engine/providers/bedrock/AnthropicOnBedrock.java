package dev.switchboard.engine.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.wire.WireJson;
import java.util.Base64;

/**
 * Anthropic's Messages API on Bedrock through InvokeModel
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html):
 * the client's {@code /v1/messages} body is the InvokeModel body, less {@code model} (it is in the
 * path) and {@code stream} (the action says it), with Bedrock's {@code anthropic_version} and the
 * beta flags as a list in the body, since Bedrock takes no {@code anthropic-*} headers. Pure: no
 * HTTP.
 */
final class AnthropicOnBedrock {
  /** The only Messages API version Bedrock accepts in an InvokeModel body. */
  static final String BEDROCK_VERSION = "bedrock-2023-05-31";

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AnthropicOnBedrock() {}

  /**
   * The model of a {@code /v1/messages} body, which must be an Anthropic model on Bedrock.
   *
   * @throws InvalidRequestException for a missing model or another vendor's
   */
  static BedrockModel model(ObjectNode request) {
    JsonNode model = request.path("model");
    BedrockModel bedrock = BedrockModel.of(model.isTextual() ? model.asText() : null);
    if (!bedrock.vendor().equals("anthropic")) {
      throw new InvalidRequestException(
          "The bedrock provider serves /v1/messages and /v1/messages/count_tokens for Anthropic"
              + " models only (anthropic.…, or an inference profile such as us.anthropic.…); "
              + bedrock.id()
              + " is not one. Send other models to /v1/chat/completions.",
          "model",
          null);
    }
    return bedrock;
  }

  /**
   * The InvokeModel body for a {@code /v1/messages} body.
   *
   * @param anthropicBeta the {@code anthropic-beta} header's flags, comma-separated, or {@code
   *     null}; they replace the body's {@code anthropic_beta}
   */
  static ObjectNode invokeBody(ObjectNode request, String anthropicBeta) {
    ObjectNode body = request.deepCopy();
    body.remove("model");
    body.remove("stream");
    // A client's anthropic-version header names Anthropic's API version (2023-06-01), which
    // Bedrock refuses; only a version the client put in the body is Bedrock's.
    if (!body.path("anthropic_version").isTextual()) {
      body.put("anthropic_version", BEDROCK_VERSION);
    }
    if (anthropicBeta != null && !anthropicBeta.isBlank()) {
      body.set("anthropic_beta", flags(anthropicBeta));
    } else if (body.path("anthropic_beta").isTextual()) {
      body.set("anthropic_beta", flags(body.get("anthropic_beta").asText()));
    }
    return body;
  }

  /**
   * Bedrock's CountTokens body for a {@code /v1/messages/count_tokens} body
   * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html): the
   * InvokeModel body, base64-encoded, under {@code input.invokeModel.body}. Anthropic's
   * count_tokens takes no {@code max_tokens} but an InvokeModel body needs one; it does not change
   * the count, so the smallest valid value is set when the client sent none (above a thinking
   * budget, which it must exceed).
   */
  static ObjectNode countTokensBody(ObjectNode request, String anthropicBeta) {
    ObjectNode invoke = invokeBody(request, anthropicBeta);
    if (!invoke.path("max_tokens").canConvertToInt()) {
      JsonNode budget = invoke.path("thinking").path("budget_tokens");
      invoke.put("max_tokens", budget.canConvertToInt() ? budget.asInt() + 1 : 1);
    }
    ObjectNode body = NODES.objectNode();
    body.putObject("input")
        .putObject("invokeModel")
        .put("body", Base64.getEncoder().encodeToString(WireJson.write(invoke)));
    return body;
  }

  /** Anthropic's count_tokens answer for Bedrock's {@code {"inputTokens": n}}. */
  static ObjectNode countTokensAnswer(JsonNode bedrock) {
    JsonNode tokens = bedrock.path("inputTokens");
    if (!tokens.canConvertToInt()) {
      throw new UpstreamFailureException(
          BedrockProvider.NAME, "The provider's token count has no inputTokens.", false, null);
    }
    return NODES.objectNode().put("input_tokens", tokens.asInt());
  }

  /**
   * A Messages API answer from InvokeModel, with {@code model} as the client sent it (Bedrock names
   * the model its own way).
   */
  static JsonNode answer(JsonNode invokeAnswer, String clientModel) {
    if (invokeAnswer instanceof ObjectNode message) {
      message.put("model", clientModel);
    }
    return invokeAnswer;
  }

  private static ArrayNode flags(String commaSeparated) {
    ArrayNode flags = NODES.arrayNode();
    for (String flag : commaSeparated.split(",")) {
      if (!flag.isBlank()) {
        flags.add(flag.strip());
      }
    }
    return flags;
  }
}
