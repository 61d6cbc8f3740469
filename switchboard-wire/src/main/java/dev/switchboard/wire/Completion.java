package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A legacy text completion ({@code "object": "text_completion"}); a streamed one is a sequence of
 * these, each with a piece of text.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Completion(
    String id,
    String object,
    Long created,
    String model,
    List<Choice> choices,
    Usage usage,
    @JsonProperty("system_fingerprint") String systemFingerprint,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {

  public Completion {
    choices = choices == null ? List.of() : List.copyOf(choices);
    extras = Extras.of(extras);
  }

  /** One completion text; {@code logprobs} and {@code finish_reason} are written even when null. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Choice(
      String text,
      Integer index,
      @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode logprobs,
      @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("finish_reason") String finishReason,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
    public Choice {
      extras = Extras.of(extras);
    }
  }
}
