package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code POST /v1/embeddings}: one unit-length vector per input, derived from the input alone, of
 * {@code dimensions} floats (8 unless given), as a JSON array or, with {@code encoding_format:
 * "base64"}, as the Base64 of its little-endian float32 bytes
 * (https://platform.openai.com/docs/api-reference/embeddings).
 */
final class Embeddings {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int DEFAULT_DIMENSIONS = 8;

  /** One input: its text (a token array is read as its numbers) and how many tokens it has. */
  private record Input(String text, int tokens) {}

  Reply answer(ObjectNode request) {
    List<Input> inputs = inputs(request.get("input"));
    int dimensions = dimensions(request.get("dimensions"));
    boolean base64 = request.path("encoding_format").asText("float").equals("base64");
    ObjectNode response = NODES.objectNode().put("object", "list");
    ArrayNode data = response.putArray("data");
    int tokens = 0;
    for (Input input : inputs) {
      float[] vector = vector(input.text(), dimensions);
      ObjectNode embedding =
          data.addObject().put("object", "embedding").put("index", data.size() - 1);
      if (base64) {
        embedding.put("embedding", base64(vector));
      } else {
        ArrayNode values = embedding.putArray("embedding");
        for (float value : vector) {
          values.add(value);
        }
      }
      tokens += input.tokens();
    }
    response.put("model", request.get("model").asText());
    response.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
    return Reply.Json.ok(response);
  }

  /** A string, strings, a token array or token arrays; none of them empty. */
  private static List<Input> inputs(JsonNode input) {
    if (input == null || input.isNull()) {
      throw ApiError.missingParameter("input").rejection();
    }
    List<Input> inputs = new ArrayList<>();
    if (input.isTextual()) {
      inputs.add(new Input(input.asText(), WordTokens.count(input.asText())));
    } else if (input.isArray() && !input.isEmpty() && input.get(0).isNumber()) {
      inputs.add(new Input(input.toString(), input.size()));
    } else if (input.isArray()) {
      for (JsonNode item : input) {
        inputs.add(
            item.isArray()
                ? new Input(item.toString(), item.size())
                : new Input(item.asText(), WordTokens.count(item.asText())));
      }
    }
    if (inputs.isEmpty() || inputs.stream().anyMatch(i -> i.text().isEmpty())) {
      throw ApiError.invalidRequest(
              "'$.input' is invalid. Please check the API reference:"
                  + " https://platform.openai.com/docs/api-reference.",
              null,
              null)
          .rejection();
    }
    return inputs;
  }

  private static int dimensions(JsonNode dimensions) {
    if (dimensions == null || dimensions.isNull()) {
      return DEFAULT_DIMENSIONS;
    }
    if (!dimensions.isIntegralNumber()) {
      throw ApiError.invalidType("dimensions", "an integer", dimensions).rejection();
    }
    if (dimensions.asInt() < 1) {
      throw ApiError.belowMinimum("dimensions", dimensions, 1).rejection();
    }
    return dimensions.asInt();
  }

  /** Random components seeded by the text, scaled to length 1. */
  private static float[] vector(String text, int dimensions) {
    SplittableRandom random = new SplittableRandom(seed(text));
    float[] vector = new float[dimensions];
    double squares = 0;
    for (int i = 0; i < dimensions; i++) {
      vector[i] = (float) (random.nextDouble() * 2 - 1);
      squares += vector[i] * vector[i];
    }
    float norm = (float) Math.sqrt(squares);
    for (int i = 0; i < dimensions; i++) {
      vector[i] /= norm;
    }
    return vector;
  }

  /** A 64-bit FNV-1a hash of the UTF-8 bytes. */
  private static long seed(String text) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
    }
    return hash;
  }

  private static String base64(float[] vector) {
    ByteBuffer bytes =
        ByteBuffer.allocate(Float.BYTES * vector.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : vector) {
      bytes.putFloat(value);
    }
    return Base64.getEncoder().encodeToString(bytes.array());
  }
}
