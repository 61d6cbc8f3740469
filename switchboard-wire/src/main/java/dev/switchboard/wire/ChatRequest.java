package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A chat completion request ({@code POST /v1/chat/completions}) as OpenAI defines it. Fields the
 * gateway acts on are typed; every other field is kept in {@link #extras()} and forwarded.
 *
 * <p>A request the gateway does not change goes upstream as the client's bytes. One it writes anew
 * (with a config's {@code override_params}, say) has its typed fields in the order Portkey's
 * gateway writes them to OpenAI (its {@code chatComplete} parameter list), then the extras as sent,
 * so that the same request through either gateway reaches the provider the same (issue 17).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
  "model",
  "messages",
  "max_tokens",
  "temperature",
  "top_p",
  "n",
  "stream",
  "stop",
  "user",
  "seed",
  "tools",
  "tool_choice",
  "response_format",
  "logprobs",
  "top_logprobs",
  "stream_options",
  "parallel_tool_calls",
  "max_completion_tokens"
})
public record ChatRequest(
    String model,
    List<ChatMessage> messages,
    Boolean stream,
    @JsonProperty("stream_options") StreamOptions streamOptions,
    List<Tool> tools,
    @JsonProperty("tool_choice") ToolChoice toolChoice,
    @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
    @JsonProperty("response_format") ResponseFormat responseFormat,
    @JsonProperty("max_tokens") Integer maxTokens,
    @JsonProperty("max_completion_tokens") Integer maxCompletionTokens,
    Double temperature,
    @JsonProperty("top_p") Double topP,
    Integer n,
    JsonNode stop,
    Long seed,
    Boolean logprobs,
    @JsonProperty("top_logprobs") Integer topLogprobs,
    String user,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {

  public ChatRequest {
    messages = messages == null ? null : List.copyOf(messages);
    tools = tools == null ? null : List.copyOf(tools);
    extras = Extras.of(extras);
  }

  /** Whether the client asked for a server-sent-event stream. */
  public boolean isStreaming() {
    return Boolean.TRUE.equals(stream);
  }

  /** Whether a streamed response must end with a usage chunk. */
  public boolean wantsStreamUsage() {
    return streamOptions != null && Boolean.TRUE.equals(streamOptions.includeUsage());
  }

  /** This request with {@code stream} set to another value ({@code null} removes it). */
  public ChatRequest withStream(Boolean newStream) {
    return new ChatRequest(
        model,
        messages,
        newStream,
        newStream == null ? null : streamOptions,
        tools,
        toolChoice,
        parallelToolCalls,
        responseFormat,
        maxTokens,
        maxCompletionTokens,
        temperature,
        topP,
        n,
        stop,
        seed,
        logprobs,
        topLogprobs,
        user,
        extras);
  }
}
