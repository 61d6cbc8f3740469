package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One event of a streamed chat response ({@code "object": "chat.completion.chunk"}). With {@code
 * stream_options.include_usage}, the last chunk has no choices and carries the usage.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletionChunk(
    String id,
    String object,
    Long created,
    String model,
    List<Choice> choices,
    Usage usage,
    @JsonProperty("service_tier") String serviceTier,
    @JsonProperty("system_fingerprint") String systemFingerprint,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {

  public ChatCompletionChunk {
    choices = choices == null ? List.of() : List.copyOf(choices);
    extras = Extras.of(extras);
  }

  /** One choice's fragment. {@code finish_reason} is written even when null, as OpenAI does. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Choice(
      Integer index,
      Delta delta,
      JsonNode logprobs,
      @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("finish_reason") String finishReason,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
    public Choice {
      extras = Extras.of(extras);
    }
  }

  /** What a chunk adds to the message: a role, a piece of text, pieces of tool calls. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Delta(
      String role,
      String content,
      String refusal,
      @JsonProperty("tool_calls") List<ToolCall> toolCalls,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
    public Delta {
      toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
      extras = Extras.of(extras);
    }
  }
}
