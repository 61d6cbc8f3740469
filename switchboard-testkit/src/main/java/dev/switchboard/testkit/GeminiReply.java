package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A scripted answer for {@link FakeGemini} and {@link FakeVertex}'s Gemini models: the parts of the
 * candidate in order (text, thoughts, function calls), its {@code finishReason}, a blocked prompt,
 * and the usage figures. Fields not scripted are computed as the fake computes its default answers
 * (token counts from the words sent and answered).
 */
public final class GeminiReply {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One part of the candidate's content. */
  sealed interface Part {
    record Text(String text, boolean thought) implements Part {}

    record FunctionCall(String name, JsonNode args) implements Part {}
  }

  final List<Part> parts;
  final String finishReason;
  final String blockReason;
  final Integer promptTokens;
  final Integer candidatesTokens;
  final Integer thoughtsTokens;
  final Integer cachedTokens;

  private GeminiReply(Builder builder) {
    this.parts = List.copyOf(builder.parts);
    this.finishReason = builder.finishReason;
    this.blockReason = builder.blockReason;
    this.promptTokens = builder.promptTokens;
    this.candidatesTokens = builder.candidatesTokens;
    this.thoughtsTokens = builder.thoughtsTokens;
    this.cachedTokens = builder.cachedTokens;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A text answer that ends with {@code STOP}. */
  public static GeminiReply text(String text) {
    return builder().text(text).build();
  }

  /** A prompt blocked for {@code reason} ({@code SAFETY}, {@code PROHIBITED_CONTENT}, …). */
  public static GeminiReply blocked(String reason) {
    return builder().blockPrompt(reason).build();
  }

  public static final class Builder {
    private final List<Part> parts = new ArrayList<>();
    private String finishReason;
    private String blockReason;
    private Integer promptTokens;
    private Integer candidatesTokens;
    private Integer thoughtsTokens;
    private Integer cachedTokens;

    private Builder() {}

    /** A text part; streamed a few words per event. */
    public Builder text(String text) {
      parts.add(new Part.Text(Objects.requireNonNull(text), false));
      return this;
    }

    /** A thought summary part ({@code "thought": true}). */
    public Builder thought(String text) {
      parts.add(new Part.Text(Objects.requireNonNull(text), true));
      return this;
    }

    /**
     * A {@code functionCall} part; several make parallel calls. {@code argsJson} must be a JSON
     * object.
     */
    public Builder functionCall(String name, String argsJson) {
      JsonNode args;
      try {
        args = JSON.readTree(argsJson);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("args must be a JSON object: " + argsJson, e);
      }
      if (args == null || !args.isObject()) {
        throw new IllegalArgumentException("args must be a JSON object: " + argsJson);
      }
      parts.add(new Part.FunctionCall(Objects.requireNonNull(name), args));
      return this;
    }

    /** The candidate's {@code finishReason}; {@code STOP} by default. */
    public Builder finishReason(String reason) {
      this.finishReason = Objects.requireNonNull(reason);
      return this;
    }

    /** No candidate: {@code promptFeedback.blockReason} is {@code reason}. */
    public Builder blockPrompt(String reason) {
      this.blockReason = Objects.requireNonNull(reason);
      return this;
    }

    /** The {@code usageMetadata} figures; {@code null}s are computed. */
    public Builder usage(
        Integer promptTokens, Integer candidatesTokens, Integer thoughtsTokens, Integer cached) {
      this.promptTokens = promptTokens;
      this.candidatesTokens = candidatesTokens;
      this.thoughtsTokens = thoughtsTokens;
      this.cachedTokens = cached;
      return this;
    }

    public GeminiReply build() {
      if (parts.isEmpty() && blockReason == null && finishReason == null) {
        throw new IllegalStateException("a reply needs a part, a finish reason or a block reason");
      }
      return new GeminiReply(this);
    }
  }
}
