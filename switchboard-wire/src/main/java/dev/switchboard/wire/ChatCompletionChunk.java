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

  /** The {@code object} of every chunk. */
  public static final String OBJECT = "chat.completion.chunk";

  public ChatCompletionChunk {
    choices = choices == null ? List.of() : List.copyOf(choices);
    extras = Extras.of(extras);
  }

  /** A chunk with one fragment of the first (only) choice, and its finish reason once it ends. */
  public static ChatCompletionChunk ofDelta(
      String id, long created, String model, Delta delta, String finishReason) {
    return new ChatCompletionChunk(
        id,
        OBJECT,
        created,
        model,
        List.of(new Choice(0, delta, null, finishReason, null)),
        null,
        null,
        null,
        null);
  }

  /** The last chunk of a stream that asked for usage: no choices, the usage. */
  public static ChatCompletionChunk ofUsage(String id, long created, String model, Usage usage) {
    return new ChatCompletionChunk(id, OBJECT, created, model, List.of(), usage, null, null, null);
  }

  /**
   * One choice's fragment. {@code logprobs} and {@code finish_reason} are written even when null,
   * as OpenAI writes them.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Choice(
      Integer index,
      Delta delta,
      @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode logprobs,
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
