package dev.switchboard.engine.providers.google;

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
 * OpenAI embedding requests as Gemini's {@code embedContent} (one input) and {@code
 * batchEmbedContents} (several) take them (https://ai.google.dev/api/embeddings), and their answers
 * back. Pure: no HTTP.
 */
public final class GeminiEmbeddings {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private GeminiEmbeddings() {}

  /**
   * The texts to embed: {@code input} as a string or an array of strings.
   *
   * @throws InvalidRequestException for token arrays or an empty input
   */
  public static List<String> texts(EmbeddingRequest request) {
    JsonNode input = request.input();
    List<String> texts = new ArrayList<>();
    if (input != null && input.isTextual()) {
      texts.add(input.asText());
    } else if (input != null && input.isArray()) {
      for (JsonNode item : input) {
        if (!item.isTextual()) {
          throw new InvalidRequestException(
              "Gemini embeds text: input must be a string or an array of strings.", "input", null);
        }
        texts.add(item.asText());
      }
    }
    if (texts.isEmpty()) {
      throw new InvalidRequestException("input must not be empty.", "input", null);
    }
    return texts;
  }

  /** An {@code embedContent} body for one text. */
  public static ObjectNode embedContent(String text, EmbeddingRequest request) {
    ObjectNode body = NODES.objectNode();
    body.putObject("content").putArray("parts").addObject().put("text", text);
    options(body, request);
    return body;
  }

  /**
   * A {@code batchEmbedContents} body, one request per text, each naming {@code models/<model>}.
   */
  public static ObjectNode batchEmbedContents(
      String model, List<String> texts, EmbeddingRequest request) {
    ObjectNode body = NODES.objectNode();
    ArrayNode requests = body.putArray("requests");
    for (String text : texts) {
      ObjectNode one = requests.addObject().put("model", "models/" + model);
      one.putObject("content").putArray("parts").addObject().put("text", text);
      options(one, request);
    }
    return body;
  }

  private static void options(ObjectNode body, EmbeddingRequest request) {
    if (request.dimensions() != null) {
      body.put("outputDimensionality", request.dimensions());
    }
    JsonNode taskType = request.extras().get("task_type");
    if (taskType != null && taskType.isTextual()) {
      body.set("taskType", taskType);
    }
  }

  /**
   * The answer of either call: {@code {"embedding":{"values":[…]}}} or {@code
   * {"embeddings":[{"values":[…]}, …]}}. Gemini reports no token counts: usage is zero.
   */
  public static EmbeddingResponse response(JsonNode answer, EmbeddingRequest request) {
    List<JsonNode> vectors = new ArrayList<>();
    if (answer.has("embedding")) {
      vectors.add(answer.path("embedding").path("values"));
    } else {
      answer.path("embeddings").forEach(e -> vectors.add(e.path("values")));
    }
    List<EmbeddingResponse.Embedding> data = new ArrayList<>();
    for (int i = 0; i < vectors.size(); i++) {
      data.add(embedding(i, vectors.get(i), request.encodingFormat()));
    }
    return new EmbeddingResponse(
        "list", data, request.model(), new Usage(0, null, 0, null, null, null), null);
  }

  /** One embedding, as floats or, for {@code base64}, OpenAI's little-endian float32 in base64. */
  public static EmbeddingResponse.Embedding embedding(int index, JsonNode vector, String format) {
    JsonNode value = vector;
    if ("base64".equals(format)) {
      ByteBuffer bytes = ByteBuffer.allocate(vector.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
      vector.forEach(number -> bytes.putFloat(number.floatValue()));
      value = NODES.textNode(Base64.getEncoder().encodeToString(bytes.array()));
    }
    return new EmbeddingResponse.Embedding("embedding", index, value, null);
  }
}
