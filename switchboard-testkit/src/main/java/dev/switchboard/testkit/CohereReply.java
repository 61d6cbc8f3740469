package dev.switchboard.testkit;

import java.util.List;
import java.util.Objects;

/**
 * What {@link FakeCohere} answers to the next chat request, in place of its default text: text, or
 * calls to tools with the ids given (as Cohere's v2 chat gives them,
 * https://docs.cohere.com/reference/chat#response.body.message.tool_calls), with an optional tool
 * plan. Queued with {@link FakeCohere#enqueue(CohereReply)}, one per chat request.
 */
public sealed interface CohereReply {

  /** Says {@code text}; {@code finish_reason: COMPLETE}. */
  record Text(String text) implements CohereReply {
    public Text {
      Objects.requireNonNull(text);
    }
  }

  /** Calls tools, in order; {@code finish_reason: TOOL_CALL}. */
  record ToolCalls(String toolPlan, List<ToolCall> calls) implements CohereReply {
    public ToolCalls {
      Objects.requireNonNull(toolPlan);
      calls = List.copyOf(calls);
      if (calls.isEmpty()) {
        throw new IllegalArgumentException("at least one call");
      }
    }
  }

  /**
   * One call: Cohere's id (e.g. {@code get_weather_5zr9eqwmaq7c}), the function's name and its
   * arguments as a JSON string.
   */
  record ToolCall(String id, String name, String arguments) {
    public ToolCall {
      Objects.requireNonNull(id);
      Objects.requireNonNull(name);
      Objects.requireNonNull(arguments);
    }
  }

  static Text text(String text) {
    return new Text(text);
  }

  /** Calls {@code calls} with the tool plan Cohere's models write first. */
  static ToolCalls toolCalls(String toolPlan, ToolCall... calls) {
    return new ToolCalls(toolPlan, List.of(calls));
  }
}
