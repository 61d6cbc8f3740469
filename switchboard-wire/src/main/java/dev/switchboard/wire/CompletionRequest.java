package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A legacy text completion request ({@code POST /v1/completions}). Written anew, its typed fields
 * are in the order Portkey's gateway writes them to OpenAI, as {@link ChatRequest}'s.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "model",
  "prompt",
  "max_tokens",
  "temperature",
  "top_p",
  "n",
  "stream",
  "stop",
  "user",
  "seed",
  "stream_options"
})
public record CompletionRequest(
    String model,
    JsonNode prompt,
    Boolean stream,
    @JsonProperty("stream_options") StreamOptions streamOptions,
    @JsonProperty("max_tokens") Integer maxTokens,
    Double temperature,
    @JsonProperty("top_p") Double topP,
    Integer n,
    JsonNode stop,
    Long seed,
    String user,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {

  public CompletionRequest {
    extras = Extras.of(extras);
  }

  public boolean isStreaming() {
    return Boolean.TRUE.equals(stream);
  }

  /** Whether a streamed response must end with a usage chunk. */
  public boolean wantsStreamUsage() {
    return streamOptions != null && Boolean.TRUE.equals(streamOptions.includeUsage());
  }

  /** This request with {@code stream} set to another value ({@code null} removes it). */
  public CompletionRequest withStream(Boolean newStream) {
    return new CompletionRequest(
        model,
        prompt,
        newStream,
        newStream == null ? null : streamOptions,
        maxTokens,
        temperature,
        topP,
        n,
        stop,
        seed,
        user,
        extras);
  }
}
