package dev.switchboard.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An answer {@link FakeBedrock} gives to the next Converse or ConverseStream call: its content
 * blocks, stop reason and token counts. Streamed, each text becomes one delta per word, each tool
 * use a start and two input deltas, as ConverseStream sends them.
 *
 * <pre>{@code
 * bedrock.enqueue(ConverseReply.toolUse(new ConverseReply.ToolUse("tooluse_1", "get_weather", "{\"city\":\"Paris\"}")));
 * }</pre>
 */
public record ConverseReply(
    List<Block> content,
    String stopReason,
    int inputTokens,
    int outputTokens,
    int cacheReadInputTokens,
    int cacheWriteInputTokens) {

  public ConverseReply {
    content = List.copyOf(content);
    Objects.requireNonNull(stopReason);
  }

  /** A content block of the answer. */
  public sealed interface Block {}

  /** A text block. */
  public record Text(String text) implements Block {}

  /**
   * A tool use block.
   *
   * @param inputJson the tool's input as JSON text (an object)
   */
  public record ToolUse(String toolUseId, String name, String inputJson) implements Block {}

  /** A reasoning block ({@code reasoningContent.reasoningText}). */
  public record Reasoning(String text, String signature) implements Block {}

  /** A text answer, stop reason {@code end_turn}. */
  public static ConverseReply text(String text) {
    return new ConverseReply(List.of(new Text(text)), "end_turn", 12, WordTokens.count(text), 0, 0);
  }

  /** Tool uses (parallel when several), stop reason {@code tool_use}. */
  public static ConverseReply toolUse(ToolUse... uses) {
    return new ConverseReply(List.of(uses), "tool_use", 20, 10 * uses.length, 0, 0);
  }

  /** The same answer with another stop reason. */
  public ConverseReply withStopReason(String reason) {
    return new ConverseReply(
        content, reason, inputTokens, outputTokens, cacheReadInputTokens, cacheWriteInputTokens);
  }

  /** The same answer with these token counts. */
  public ConverseReply withUsage(int input, int output) {
    return new ConverseReply(
        content, stopReason, input, output, cacheReadInputTokens, cacheWriteInputTokens);
  }

  /** The same answer with these prompt-cache counts. */
  public ConverseReply withCache(int read, int write) {
    return new ConverseReply(content, stopReason, inputTokens, outputTokens, read, write);
  }

  /** The same answer with a reasoning block first. */
  public ConverseReply withReasoning(String text, String signature) {
    List<Block> blocks = new ArrayList<>();
    blocks.add(new Reasoning(text, signature));
    blocks.addAll(content);
    return new ConverseReply(
        blocks, stopReason, inputTokens, outputTokens, cacheReadInputTokens, cacheWriteInputTokens);
  }

  /** The same answer with a text block before the others. */
  public ConverseReply withTextFirst(String text) {
    List<Block> blocks = new ArrayList<>();
    blocks.add(new Text(text));
    blocks.addAll(content);
    return new ConverseReply(
        blocks, stopReason, inputTokens, outputTokens, cacheReadInputTokens, cacheWriteInputTokens);
  }
}
