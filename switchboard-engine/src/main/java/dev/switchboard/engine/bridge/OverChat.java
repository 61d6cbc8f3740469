package dev.switchboard.engine.bridge;

import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import java.util.List;
import java.util.Map;

/**
 * One agent API (Anthropic's Messages, OpenAI's Responses) served over a provider's chat
 * completions: its request as a chat request, and the chat answer, whole or streamed, back in the
 * API's own format.
 *
 * @param <O> the API's operation
 */
interface OverChat<O extends Operation> {

  /** Whether a provider with these capabilities serves the API itself, with no translation. */
  boolean servedNatively(Capabilities capabilities);

  /**
   * The chat request that asks the same; an item the chat API cannot carry is refused with an
   * {@code InvalidRequestException} that names it, never silently dropped or changed.
   */
  ChatRequest request(O asked);

  /**
   * Response headers of the translation's own for the answer to {@code asked} (what was left out of
   * the request, say); none by default. A stream carries them in its own {@code headers()}.
   */
  default List<Map.Entry<String, String>> headers(O asked) {
    return List.of();
  }

  /** The chat answer as the API's whole answer (a wire-ready JSON tree). */
  Object answer(ChatCompletion answer, O asked);

  /** The chat stream as the API's stream of named events. */
  ResponseStream<SseEvent> stream(ResponseStream<ChatCompletionChunk> chunks, O asked);
}
