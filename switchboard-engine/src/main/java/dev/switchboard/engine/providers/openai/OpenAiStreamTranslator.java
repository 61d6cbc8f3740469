package dev.switchboard.engine.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.util.List;
import java.util.function.Consumer;

/**
 * An OpenAI-format event stream's events read into their type: {@code data: <json>} events ending
 * with {@code data: [DONE]} (https://platform.openai.com/docs/api-reference/chat-streaming), each
 * read once, keeping its bytes ({@link WireJson#readKeepingSource}). A {@link TranslatedStream} of
 * them is over at {@code [DONE]}; a stream that ends without it broke off, and says so: it is never
 * taken for a complete answer. Stateful, one per stream.
 *
 * @param <T> the event type ({@code ChatCompletionChunk}, {@code Completion})
 */
final class OpenAiStreamTranslator<T> implements TranslatedStream.Translator<SseEvent, T> {
  private static final String DONE = "[DONE]";

  /**
   * An event without this text cannot be an error event, so it is read straight into its type; one
   * with it (an error, or a chunk that merely says "error") is looked at as a tree first.
   */
  private static final String ERROR_KEY = "\"error\"";

  private final String provider;
  private final Class<T> eventType;
  private boolean done;

  OpenAiStreamTranslator(String provider, Class<T> eventType) {
    this.provider = provider;
    this.eventType = eventType;
  }

  /**
   * The event as its type; nothing for {@code [DONE]} (or a {@code null}).
   *
   * @throws ProviderErrorException for an event with an {@code error} object
   * @throws dev.switchboard.engine.errors.UpstreamFailureException for data that is not JSON
   */
  @Override
  public void translate(SseEvent event, Consumer<? super T> out) {
    String data = event.data();
    if (DONE.equals(data.strip())) {
      done = true;
      return;
    }
    if (data.contains(ERROR_KEY)) {
      JsonNode error = TranslatedStream.json(provider, data).get("error");
      if (error != null && error.isObject()) {
        int status = error.path("status").asInt(500);
        throw new ProviderErrorException(status, provider, error, List.of());
      }
    }
    T item;
    try {
      item = WireJson.readKeepingSource(data, eventType);
    } catch (WireFormatException e) {
      throw TranslatedStream.notJson(provider, e);
    }
    if (item != null) {
      out.accept(item);
    }
  }

  /** Whether {@code [DONE]} came: the stream is complete. */
  @Override
  public boolean finished() {
    return done;
  }
}
