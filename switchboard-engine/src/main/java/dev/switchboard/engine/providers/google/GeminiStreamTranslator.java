package dev.switchboard.engine.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Translates the events of a Gemini {@code streamGenerateContent?alt=sse} stream, each a whole
 * {@code GenerateContentResponse}, into OpenAI chat completion chunks, one event at a time.
 * Stateful, one per stream; pure: no HTTP.
 *
 * <ul>
 *   <li>the first event → a chunk with {@code role: assistant};
 *   <li>text parts → {@code content} deltas; thought parts → Portkey's {@code content_blocks}
 *       deltas when strict compliance is off, nothing otherwise;
 *   <li>each {@code functionCall} part → a tool call on its own index, with its id, name and whole
 *       arguments in one delta (Gemini sends a call whole);
 *   <li>{@code finishReason} → the chunk with the finish reason; a prompt blocked by {@code
 *       promptFeedback.blockReason} → {@code content_filter};
 *   <li>{@code usageMetadata} → kept; at the end, a usage chunk (no choices) when the client asked
 *       for one;
 *   <li>an {@code error} object → a {@link ProviderErrorException} with its code.
 * </ul>
 *
 * <p>Gemini's stream has no end event: the body ends after the event with the finish reason, so a
 * {@link TranslatedStream} of its server-sent events is over at the body's end, and a body that
 * ends before an event said how the answer finished ({@linkplain #finished() unfinished}) broke
 * off.
 */
final class GeminiStreamTranslator
    implements TranslatedStream.Translator<SseEvent, ChatCompletionChunk> {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String provider;
  private final String model;
  private final boolean strict;
  private final boolean includeUsage;
  private final long created;
  private final int turn;
  private final Map<Integer, Integer> toolCallsByCandidate = new HashMap<>();
  private final Set<Integer> finishedCandidates = new HashSet<>();
  private String id;
  private String modelVersion;
  private Usage usage;
  private boolean started;
  private boolean blocked;

  /**
   * @param model the model the client asked for, used when Gemini names no {@code modelVersion}
   * @param turn the request's message count; see {@link GeminiResponseTranslator#toChatCompletion}
   */
  GeminiStreamTranslator(
      String provider, String model, boolean strict, boolean includeUsage, long created, int turn) {
    this.provider = provider;
    this.model = model;
    this.strict = strict;
    this.includeUsage = includeUsage;
    this.created = created;
    this.turn = turn;
  }

  /** Whether an event said how the answer ended: the stream may end after it. */
  @Override
  public boolean finished() {
    return blocked || !finishedCandidates.isEmpty();
  }

  /** More events (other candidates, the usage) may follow the finish reason: the body ends it. */
  @Override
  public boolean endsAtTerminalEvent() {
    return false;
  }

  /**
   * The chunks one server-sent event becomes, possibly none (an event without data gives none).
   *
   * @throws ProviderErrorException for an error object in the stream
   * @throws dev.switchboard.engine.errors.UpstreamFailureException for data that is not JSON
   */
  @Override
  public void translate(SseEvent event, Consumer<? super ChatCompletionChunk> out) {
    if (!event.data().isBlank()) {
      translate(TranslatedStream.json(provider, event.data())).forEach(out);
    }
  }

  /**
   * The chunks one event becomes, possibly none.
   *
   * @throws ProviderErrorException for an error object in the stream
   */
  public List<ChatCompletionChunk> translate(JsonNode event) {
    JsonNode error = event.isArray() ? event.path(0).path("error") : event.path("error");
    if (error.isObject()) {
      throw new ProviderErrorException(
          GoogleErrors.status(error), provider, GoogleErrors.errorObject(error), List.of());
    }
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    if (id == null) {
      id = GeminiResponseTranslator.completionId(event);
    }
    if (event.hasNonNull("modelVersion")) {
      modelVersion = event.get("modelVersion").asText();
    }
    if (event.has("usageMetadata")) {
      usage = GeminiResponseTranslator.usage(event.get("usageMetadata"));
    }
    if (!started) {
      started = true;
      chunks.add(chunk(0, new ChatCompletionChunk.Delta("assistant", "", null, null, null), null));
    }
    JsonNode candidates = event.path("candidates");
    for (int i = 0; i < candidates.size(); i++) {
      JsonNode candidate = candidates.get(i);
      int index = candidate.path("index").asInt(i);
      for (JsonNode part : candidate.path("content").path("parts")) {
        ChatCompletionChunk.Delta delta = delta(index, part);
        if (delta != null) {
          chunks.add(chunk(index, delta, null));
        }
      }
      String reason = candidate.path("finishReason").asText("");
      if (!reason.isEmpty() && finishedCandidates.add(index)) {
        boolean calledTools = toolCallsByCandidate.getOrDefault(index, 0) > 0;
        chunks.add(
            chunk(
                index,
                new ChatCompletionChunk.Delta(null, null, null, null, null),
                GeminiResponseTranslator.finishReason(reason, calledTools, strict)));
      }
    }
    String blockReason = event.path("promptFeedback").path("blockReason").asText("");
    if (candidates.isEmpty() && !blockReason.isEmpty() && !blocked) {
      blocked = true;
      chunks.add(
          chunk(
              0,
              new ChatCompletionChunk.Delta(null, null, null, null, null),
              strict ? "content_filter" : blockReason));
    }
    return chunks;
  }

  @Override
  public void end(Consumer<? super ChatCompletionChunk> out) {
    end().forEach(out);
  }

  /** What follows the last event of a complete stream: the usage chunk, when asked for. */
  public List<ChatCompletionChunk> end() {
    if (!includeUsage || usage == null) {
      return List.of();
    }
    return List.of(
        new ChatCompletionChunk(
            id, "chat.completion.chunk", created, model(), List.of(), usage, null, null, null));
  }

  private ChatCompletionChunk.Delta delta(int candidate, JsonNode part) {
    if (part.has("functionCall")) {
      JsonNode call = part.get("functionCall");
      int position = toolCallsByCandidate.merge(candidate, 1, Integer::sum) - 1;
      String name = call.path("name").asText();
      String arguments = GeminiResponseTranslator.arguments(call);
      ToolCall toolCall =
          new ToolCall(
              position,
              GeminiResponseTranslator.callId(call, turn, candidate, position, name, arguments),
              "function",
              new ToolCall.FunctionCall(
                  name, arguments, GeminiResponseTranslator.thoughtSignature(part, strict)),
              null);
      return new ChatCompletionChunk.Delta(null, null, null, List.of(toolCall), null);
    }
    if (part.has("text")) {
      String text = part.path("text").asText();
      if (part.path("thought").asBoolean(false)) {
        if (strict) {
          return null;
        }
        ObjectNode block = NODES.objectNode().put("index", 0);
        block.putObject("delta").put("thinking", text);
        return new ChatCompletionChunk.Delta(
            null, null, null, null, Map.of("content_blocks", NODES.arrayNode().add(block)));
      }
      return text.isEmpty() ? null : new ChatCompletionChunk.Delta(null, text, null, null, null);
    }
    return null;
  }

  private ChatCompletionChunk chunk(int index, ChatCompletionChunk.Delta delta, String finish) {
    return new ChatCompletionChunk(
        id,
        "chat.completion.chunk",
        created,
        model(),
        List.of(new ChatCompletionChunk.Choice(index, delta, null, finish, null)),
        null,
        null,
        null,
        null);
  }

  private String model() {
    return modelVersion != null ? modelVersion : model;
  }
}
