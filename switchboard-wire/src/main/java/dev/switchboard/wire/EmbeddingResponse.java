package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** The embeddings of a request's inputs ({@code "object": "list"}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EmbeddingResponse(
    String object,
    List<Embedding> data,
    String model,
    Usage usage,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {

  public EmbeddingResponse {
    data = data == null ? List.of() : List.copyOf(data);
    extras = Extras.of(extras);
  }

  /**
   * One input's vector: an array of floats, or a base64 string of little-endian float32 values when
   * the request asked for {@code encoding_format: "base64"}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Embedding(
      String object,
      Integer index,
      JsonNode embedding,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
    public Embedding {
      extras = Extras.of(extras);
    }
  }
}
