package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** A complete chat response ({@code "object": "chat.completion"}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletion(
    String id,
    String object,
    Long created,
    String model,
    List<Choice> choices,
    Usage usage,
    @JsonProperty("service_tier") String serviceTier,
    @JsonProperty("system_fingerprint") String systemFingerprint,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {

  public ChatCompletion {
    choices = choices == null ? List.of() : List.copyOf(choices);
    extras = Extras.of(extras);
  }

  /** The first choice's message: the reply, for the usual {@code n = 1}. */
  public ChatMessage.Assistant message() {
    return choices.isEmpty() ? null : choices.getFirst().message();
  }

  /**
   * One of the {@code n} replies. {@code logprobs} and {@code finish_reason} are written even when
   * null, as OpenAI writes them.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Choice(
      Integer index,
      ChatMessage.Assistant message,
      @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode logprobs,
      @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("finish_reason") String finishReason,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
    public Choice {
      extras = Extras.of(extras);
    }
  }
}
