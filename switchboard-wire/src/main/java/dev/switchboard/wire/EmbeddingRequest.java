package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * An embeddings request ({@code POST /v1/embeddings}). {@code input} is a string, an array of
 * strings, or an array of token arrays, kept as sent.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EmbeddingRequest(
    String model,
    JsonNode input,
    @JsonProperty("encoding_format") String encodingFormat,
    Integer dimensions,
    String user,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {

  public EmbeddingRequest {
    extras = Extras.of(extras);
  }
}
