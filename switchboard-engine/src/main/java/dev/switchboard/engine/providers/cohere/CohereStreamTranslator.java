package dev.switchboard.engine.providers.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatCompletionChunk.Delta;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Cohere's v2 chat stream (https://docs.cohere.com/docs/streaming) as OpenAI chunks, one event in,
 * chunks out, apart from HTTP: {@code message-start} → the role; {@code content-delta} → content;
 * {@code tool-call-start} → a tool call's id and name on the next index (parallel calls 0, 1, …);
 * {@code tool-call-delta} → its arguments; {@code message-end} → the finish reason, then the usage
 * chunk (no choices) when the client asked for it. {@code content-start} with text gives that text;
 * {@code tool-plan-delta}, {@code content-end}, {@code tool-call-end}, citations and unknown events
 * give nothing. A {@link TranslatedStream} of Cohere's server-sent events is over at {@code
 * message-end}; a body that ends before it broke off. Not thread-safe: one per stream.
 */
final class CohereStreamTranslator
    implements TranslatedStream.Translator<SseEvent, ChatCompletionChunk> {
  private final String model;
  private final long created;
  private final boolean includeUsage;
  private String id = "";
  private int toolCalls;
  private boolean finished;

  CohereStreamTranslator(String model, long created, boolean includeUsage) {
    this.model = model;
    this.created = created;
    this.includeUsage = includeUsage;
  }

  /** Whether {@code message-end} came: the stream is complete. */
  @Override
  public boolean finished() {
    return finished;
  }

  /**
   * The chunks one server-sent event gives, often none; its type is its {@code event:} line, else
   * its data's {@code type}.
   *
   * @throws dev.switchboard.engine.errors.UpstreamFailureException for data that is not JSON
   */
  @Override
  public void translate(SseEvent event, Consumer<? super ChatCompletionChunk> out) {
    JsonNode data = TranslatedStream.json(CohereProvider.NAME, event.data());
    translate(TranslatedStream.typeOf(event, data), data).forEach(out);
  }

  /** The chunks one event gives, often none. */
  List<ChatCompletionChunk> translate(String type, JsonNode event) {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    JsonNode message = event.path("delta").path("message");
    switch (type) {
      case "message-start" -> {
        id = event.path("id").asText("");
        chunks.add(chunk(new Delta("assistant", "", null, null, null), null));
      }
      case "content-start", "content-delta" -> {
        String text = message.path("content").path("text").asText("");
        if (!text.isEmpty()) {
          chunks.add(chunk(new Delta(null, text, null, null, null), null));
        }
      }
      case "tool-call-start" -> {
        JsonNode call = message.path("tool_calls");
        ToolCall opening =
            new ToolCall(
                toolCalls++,
                call.path("id").asText(),
                "function",
                new ToolCall.FunctionCall(
                    call.at("/function/name").asText(),
                    call.at("/function/arguments").asText(""),
                    null),
                null);
        chunks.add(chunk(new Delta(null, null, null, List.of(opening), null), null));
      }
      case "tool-call-delta" -> {
        String arguments = message.at("/tool_calls/function/arguments").asText("");
        if (!arguments.isEmpty() && toolCalls > 0) {
          ToolCall fragment =
              new ToolCall(
                  toolCalls - 1,
                  null,
                  null,
                  new ToolCall.FunctionCall(null, arguments, null),
                  null);
          chunks.add(chunk(new Delta(null, null, null, List.of(fragment), null), null));
        }
      }
      case "message-end" -> {
        finished = true;
        JsonNode end = event.path("delta");
        chunks.add(
            chunk(
                new Delta(null, null, null, null, null),
                CohereResponseTranslator.finishReason(end.path("finish_reason").asText(null))));
        if (includeUsage) {
          JsonNode usage = CohereResponseTranslator.usage(end.path("usage"));
          chunks.add(
              ChatCompletionChunk.ofUsage(
                  id,
                  created,
                  model,
                  Usage.of(
                      usage.path("prompt_tokens").asInt(),
                      usage.path("completion_tokens").asInt())));
        }
      }
      default -> {} // tool-plan-delta, content-end, tool-call-end, citation-start/-end, debug
    }
    return chunks;
  }

  private ChatCompletionChunk chunk(Delta delta, String finishReason) {
    return ChatCompletionChunk.ofDelta(id, created, model, delta, finishReason);
  }
}
