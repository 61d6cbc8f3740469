package dev.switchboard.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A scripted answer for {@link FakeAnthropic}: the content blocks of the assistant's message (text,
 * thinking, parallel {@code tool_use} calls), its stop reason and its usage. Queued with {@link
 * FakeAnthropic#enqueue(AnthropicReply)}, it answers the next Messages request, as JSON or as a
 * stream as that request asks.
 *
 * <pre>{@code
 * anthropic.enqueue(
 *     AnthropicReply.builder()
 *         .toolUse("toolu_01", "get_weather", "{\"city\":\"Paris\"}")
 *         .toolUse("toolu_02", "get_weather", "{\"city\":\"Rome\"}")
 *         .build());
 * }</pre>
 */
public final class AnthropicReply {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<ObjectNode> content;
  private final String stopReason;
  private final Integer inputTokens;
  private final Integer outputTokens;
  private final int cacheReadInputTokens;
  private final int cacheCreationInputTokens;

  private AnthropicReply(Builder builder) {
    this.content = List.copyOf(builder.content);
    this.stopReason =
        builder.stopReason != null
            ? builder.stopReason
            : content.stream().anyMatch(b -> b.path("type").asText().equals("tool_use"))
                ? "tool_use"
                : "end_turn";
    this.inputTokens = builder.inputTokens;
    this.outputTokens = builder.outputTokens;
    this.cacheReadInputTokens = builder.cacheReadInputTokens;
    this.cacheCreationInputTokens = builder.cacheCreationInputTokens;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The content blocks, in order (copies). */
  List<ObjectNode> content() {
    return content.stream().map(ObjectNode::deepCopy).toList();
  }

  String stopReason() {
    return stopReason;
  }

  /** The scripted input tokens, or {@code null} to count the request's words. */
  Integer inputTokens() {
    return inputTokens;
  }

  /** The scripted output tokens, or {@code null} to count the content's words. */
  Integer outputTokens() {
    return outputTokens;
  }

  int cacheReadInputTokens() {
    return cacheReadInputTokens;
  }

  int cacheCreationInputTokens() {
    return cacheCreationInputTokens;
  }

  /** Builds an {@link AnthropicReply}; blocks come out in the order they are added. */
  public static final class Builder {
    private final List<ObjectNode> content = new ArrayList<>();
    private String stopReason;
    private Integer inputTokens;
    private Integer outputTokens;
    private int cacheReadInputTokens;
    private int cacheCreationInputTokens;

    private Builder() {}

    /** A {@code text} block. */
    public Builder text(String text) {
      ObjectNode block = JSON.createObjectNode().put("type", "text");
      block.put("text", Objects.requireNonNull(text));
      content.add(block);
      return this;
    }

    /** A {@code thinking} block with its signature (extended thinking). */
    public Builder thinking(String thinking, String signature) {
      ObjectNode block = JSON.createObjectNode().put("type", "thinking");
      block.put("thinking", Objects.requireNonNull(thinking));
      block.put("signature", Objects.requireNonNull(signature));
      content.add(block);
      return this;
    }

    /**
     * A {@code tool_use} block: a call of tool {@code name} with {@code inputJson}, a JSON object.
     *
     * @param id the call's id, {@code toolu_…}
     */
    public Builder toolUse(String id, String name, String inputJson) {
      JsonNode input;
      try {
        input = JSON.readTree(inputJson);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("the input must be a JSON object: " + inputJson, e);
      }
      if (!input.isObject()) {
        throw new IllegalArgumentException("the input must be a JSON object: " + inputJson);
      }
      ObjectNode block = JSON.createObjectNode().put("type", "tool_use");
      block.put("id", Objects.requireNonNull(id));
      block.put("name", Objects.requireNonNull(name));
      block.set("input", input);
      content.add(block);
      return this;
    }

    /**
     * The stop reason ({@code end_turn}, {@code max_tokens}, {@code stop_sequence}, {@code
     * tool_use}, {@code pause_turn}, {@code refusal}); by default {@code tool_use} when a tool is
     * called, else {@code end_turn}.
     */
    public Builder stopReason(String stopReason) {
      this.stopReason = Objects.requireNonNull(stopReason);
      return this;
    }

    /** Fixed token counts instead of the word counts. */
    public Builder usage(int inputTokens, int outputTokens) {
      this.inputTokens = inputTokens;
      this.outputTokens = outputTokens;
      return this;
    }

    /** Prompt-cache figures: tokens read from the cache and tokens written to it. */
    public Builder cacheTokens(int readInputTokens, int creationInputTokens) {
      this.cacheReadInputTokens = readInputTokens;
      this.cacheCreationInputTokens = creationInputTokens;
      return this;
    }

    public AnthropicReply build() {
      if (content.isEmpty()) {
        throw new IllegalStateException("a reply needs at least one content block");
      }
      return new AnthropicReply(this);
    }
  }
}
