package dev.switchboard.engine.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.engine.sse.SseEvent;
import java.util.function.Consumer;

/**
 * An Anthropic event stream passed through in Anthropic's format ({@code POST /v1/messages}): each
 * event as it came, {@code ping} included, named by its type. Read by a {@link TranslatedStream},
 * the stream is over after {@code message_stop}; an end before it is a failure, and an {@code
 * error} event is a {@link ProviderErrorException} (the server writes it back as Anthropic's error
 * event).
 *
 * <p>The events come from any {@link TranslatedStream.EventSource}: Anthropic's own SSE body, or
 * another cloud's framing of the same events (Bedrock's InvokeModelWithResponseStream), so that
 * every cloud's Claude stream is checked by the same rules. Stateful, one per stream.
 */
public final class AnthropicEventPassThrough
    implements TranslatedStream.Translator<SseEvent, SseEvent> {
  private final String provider;
  private boolean finished;

  public AnthropicEventPassThrough(String provider) {
    this.provider = provider;
  }

  /**
   * The event as it came, named by its type.
   *
   * @throws ProviderErrorException for an {@code error} event
   * @throws dev.switchboard.engine.errors.UpstreamFailureException for data that is not JSON
   */
  @Override
  public void translate(SseEvent event, Consumer<? super SseEvent> out) {
    JsonNode data = TranslatedStream.json(provider, event.data());
    String type = TranslatedStream.typeOf(event, data);
    switch (AnthropicStreamEvent.parse(type, data)) {
      case AnthropicStreamEvent.Error error -> throw AnthropicErrors.streamError(provider, error);
      case AnthropicStreamEvent.MessageStop stop -> finished = true;
      default -> {}
    }
    out.accept(new SseEvent(type, event.data(), null));
  }

  /** Whether {@code message_stop} came: the stream is complete. */
  @Override
  public boolean finished() {
    return finished;
  }
}
