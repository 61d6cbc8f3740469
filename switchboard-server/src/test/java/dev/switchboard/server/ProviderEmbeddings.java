package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.ReplayFixture;
import dev.switchboard.wire.WireJson;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * What a provider's recorded embeddings answer says, read from its own format with no code of the
 * gateway's: the vectors in order and the input's token count, as each provider's section of
 * docs/providers.md maps them to OpenAI's usage. A replay compares the gateway's {@code
 * /v1/embeddings} answer with it.
 *
 * @param vectors each input's vector, in order
 * @param promptTokens the input's tokens as OpenAI's usage gives them (0 when the provider reports
 *     none, as Gemini)
 */
record ProviderEmbeddings(List<double[]> vectors, int promptTokens) {

  /** Reads {@code fixture}'s embeddings answer in its provider's format. */
  static ProviderEmbeddings of(ReplayFixture fixture) {
    ReplayFixture.ProviderResponse response = fixture.response();
    JsonNode body = WireJson.tree(response.text());
    List<double[]> vectors = new ArrayList<>();
    int tokens;
    switch (fixture.provider()) {
      // https://platform.openai.com/docs/api-reference/embeddings/object
      case "openai", "azure-openai", "mistral-ai", "groq" -> {
        for (JsonNode item : body.path("data")) {
          vectors.add(vector(item.path("embedding")));
        }
        tokens = body.path("usage").path("prompt_tokens").asInt();
      }
      // https://docs.cohere.com/reference/embed: embeddings by type, usage in meta
      case "cohere" -> {
        cohereVectors(body).forEach(vector -> vectors.add(vector(vector)));
        tokens = cohereTokens(body.path("meta"));
      }
      // https://ai.google.dev/api/embeddings: embedContent's one, batchEmbedContents' several;
      // Gemini counts no tokens for embeddings, and the gateway's usage is 0.
      case "google" -> {
        if (body.has("embedding")) {
          vectors.add(vector(body.get("embedding").path("values")));
        } else {
          body.path("embeddings").forEach(item -> vectors.add(vector(item.path("values"))));
        }
        tokens = 0;
      }
      // Vertex AI's predict: one prediction per instance, each with its token count.
      case "vertex-ai" -> {
        int sum = 0;
        for (JsonNode prediction : body.path("predictions")) {
          vectors.add(vector(prediction.path("embeddings").path("values")));
          sum += prediction.path("embeddings").path("statistics").path("token_count").asInt();
        }
        tokens = sum;
      }
      // InvokeModel: Titan's one embedding and its inputTextTokenCount, or Cohere Embed's list
      // (its token count in Bedrock's x-amzn-bedrock-input-token-count header).
      case "bedrock" -> {
        if (body.has("inputTextTokenCount")) {
          vectors.add(vector(body.path("embedding")));
          tokens = body.get("inputTextTokenCount").asInt();
        } else {
          cohereVectors(body).forEach(vector -> vectors.add(vector(vector)));
          String count = response.header("x-amzn-bedrock-input-token-count");
          tokens = count == null ? 0 : Integer.parseInt(count.strip());
        }
      }
      default -> throw new IllegalArgumentException("no reader for " + fixture.provider());
    }
    return new ProviderEmbeddings(List.copyOf(vectors), tokens);
  }

  /**
   * A vector as numbers, or decoded from OpenAI's base64 of little-endian float32 (what {@code
   * encoding_format: "base64"} asks for).
   */
  static double[] vector(JsonNode embedding) {
    if (embedding.isTextual()) {
      ByteBuffer bytes =
          ByteBuffer.wrap(Base64.getDecoder().decode(embedding.asText()))
              .order(ByteOrder.LITTLE_ENDIAN);
      double[] values = new double[bytes.remaining() / Float.BYTES];
      for (int i = 0; i < values.length; i++) {
        values[i] = bytes.getFloat();
      }
      return values;
    }
    double[] values = new double[embedding.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = embedding.get(i).doubleValue();
    }
    return values;
  }

  /** Cohere's {@code embeddings.float} (v2, or v1 by type), or its plain list of vectors (v1). */
  private static JsonNode cohereVectors(JsonNode body) {
    JsonNode embeddings = body.path("embeddings");
    return embeddings.isObject() ? embeddings.path("float") : embeddings;
  }

  /** Cohere's {@code tokens} when given, else {@code billed_units} (docs/providers.md). */
  private static int cohereTokens(JsonNode meta) {
    JsonNode tokens = meta.path("tokens").path("input_tokens");
    return tokens.isNumber()
        ? tokens.asInt()
        : meta.path("billed_units").path("input_tokens").asInt();
  }
}
