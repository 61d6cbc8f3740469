package dev.switchboard.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A scripted answer for {@link FakeOpenAi}'s chat completions and Responses API: the calls the
 * assistant makes to the tools offered, in order, as a model chooses them (unscripted, the fake
 * calls the first tools offered with sample arguments). Queued with {@link
 * FakeOpenAi#enqueue(OpenAiChatReply)}, it answers the next valid chat or Responses request, whole
 * or streamed as that request asks; the request after it, carrying the tools' results, gets the
 * fake's usual answer, which quotes them.
 *
 * <pre>{@code
 * openai.enqueue(
 *     OpenAiChatReply.builder().toolCall("Bash", "{\"command\":\"cat notes.txt\"}").build());
 * }</pre>
 */
public final class OpenAiChatReply {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One scripted call: the tool's name and its arguments, a JSON object as text. */
  record Call(String name, String arguments) {}

  private final List<Call> calls;

  private OpenAiChatReply(Builder builder) {
    this.calls = List.copyOf(builder.calls);
  }

  public static Builder builder() {
    return new Builder();
  }

  List<Call> calls() {
    return calls;
  }

  /** Builds an {@link OpenAiChatReply}; calls come out in the order they are added. */
  public static final class Builder {
    private final List<Call> calls = new ArrayList<>();

    private Builder() {}

    /** A call of tool {@code name} with {@code argumentsJson}, a JSON object. */
    public Builder toolCall(String name, String argumentsJson) {
      JsonNode arguments;
      try {
        arguments = JSON.readTree(argumentsJson);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(
            "the arguments must be a JSON object: " + argumentsJson, e);
      }
      if (arguments == null || !arguments.isObject()) {
        throw new IllegalArgumentException("the arguments must be a JSON object: " + argumentsJson);
      }
      calls.add(new Call(Objects.requireNonNull(name), arguments.toString()));
      return this;
    }

    public OpenAiChatReply build() {
      if (calls.isEmpty()) {
        throw new IllegalStateException("a reply needs at least one tool call");
      }
      return new OpenAiChatReply(this);
    }
  }
}
