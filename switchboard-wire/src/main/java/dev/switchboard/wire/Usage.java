package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** Token counts of one response, with the details (cached prompt tokens, reasoning tokens). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Usage(
    @JsonProperty("prompt_tokens") Integer promptTokens,
    @JsonProperty("completion_tokens") Integer completionTokens,
    @JsonProperty("total_tokens") Integer totalTokens,
    @JsonProperty("prompt_tokens_details") PromptTokensDetails promptTokensDetails,
    @JsonProperty("completion_tokens_details") JsonNode completionTokensDetails,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {

  public Usage {
    extras = Extras.of(extras);
  }

  public static Usage of(int promptTokens, int completionTokens) {
    return new Usage(
        promptTokens, completionTokens, promptTokens + completionTokens, null, null, null);
  }

  /** Of the prompt's tokens, how many were read from the provider's prompt cache. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record PromptTokensDetails(
      @JsonProperty("cached_tokens") Integer cachedTokens,
      @JsonProperty("audio_tokens") Integer audioTokens,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
    public PromptTokensDetails {
      extras = Extras.of(extras);
    }
  }
}
