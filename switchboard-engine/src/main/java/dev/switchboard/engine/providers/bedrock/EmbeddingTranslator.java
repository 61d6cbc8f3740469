package dev.switchboard.engine.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.Usage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * OpenAI's embedding request to the InvokeModel bodies of the embedding models Bedrock serves, and
 * their answers back: Amazon Titan text embeddings
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html) and
 * Cohere Embed (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html).
 */
final class EmbeddingTranslator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private EmbeddingTranslator() {}

  /** The texts to embed: one string, or a list of strings. */
  static List<String> texts(EmbeddingRequest request) {
    JsonNode input = request.input();
    List<String> texts = new ArrayList<>();
    if (input != null && input.isTextual()) {
      texts.add(input.asText());
    } else if (input != null && input.isArray() && !input.isEmpty()) {
      for (JsonNode item : input) {
        if (item.isTextual()) {
          texts.add(item.asText());
        } else if (item.isObject() && item.path("text").isTextual()) {
          texts.add(item.get("text").asText());
        } else {
          throw new InvalidRequestException(
              "Bedrock's embedding models take text: input must be a string or a list of strings"
                  + " (token arrays are not supported).",
              "input",
              null);
        }
      }
    } else {
      throw new InvalidRequestException(
          "input must be a non-empty string or list of strings", "input", null);
    }
    return texts;
  }

  /** Titan's body for one text: Titan embeds one text per call. */
  static ObjectNode titanRequest(String text, EmbeddingRequest request) {
    ObjectNode body = NODES.objectNode();
    body.put("inputText", text);
    if (request.dimensions() != null) {
      body.put("dimensions", request.dimensions());
    }
    JsonNode normalize = request.extras().get("normalize");
    if (normalize != null && normalize.isBoolean()) {
      body.set("normalize", normalize);
    }
    return body;
  }

  /** Cohere's body: all the texts in one call. */
  static ObjectNode cohereRequest(List<String> texts, EmbeddingRequest request) {
    ObjectNode body = NODES.objectNode();
    ArrayNode array = body.putArray("texts");
    texts.forEach(array::add);
    // Cohere requires input_type; Portkey passes the client's on and so does this, with Cohere's
    // recommended default for indexing when the client sent none.
    JsonNode inputType = request.extras().get("input_type");
    body.put(
        "input_type",
        inputType != null && inputType.isTextual() ? inputType.asText() : "search_document");
    JsonNode truncate = request.extras().get("truncate");
    if (truncate != null && truncate.isTextual()) {
      body.set("truncate", truncate);
    }
    return body;
  }

  /** One embedding of the response, as floats or as OpenAI's base64 of little-endian floats. */
  static EmbeddingResponse.Embedding embedding(int index, JsonNode vector, String encodingFormat) {
    JsonNode value = vector;
    if ("base64".equals(encodingFormat)) {
      ByteBuffer bytes = ByteBuffer.allocate(vector.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (JsonNode number : vector) {
        bytes.putFloat(number.floatValue());
      }
      value = NODES.textNode(Base64.getEncoder().encodeToString(bytes.array()));
    }
    return new EmbeddingResponse.Embedding("embedding", index, value, null);
  }

  /** Cohere's embeddings: a list of vectors, or {@code {"float": [...]}} when types were asked. */
  static JsonNode cohereVectors(JsonNode response) {
    JsonNode embeddings = response.path("embeddings");
    return embeddings.isObject() ? embeddings.path("float") : embeddings;
  }

  static EmbeddingResponse response(
      List<EmbeddingResponse.Embedding> data, String model, int promptTokens) {
    return new EmbeddingResponse(
        "list", data, model, new Usage(promptTokens, null, promptTokens, null, null, null), null);
  }
}
