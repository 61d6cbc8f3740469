package dev.switchboard.engine.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.engine.sse.SseReader;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * An Anthropic event stream passed through in Anthropic's format ({@code POST /v1/messages}): each
 * event as it came, {@code ping} included. The stream is complete after {@code message_stop}; an
 * end before it is a failure, and an {@code error} event is a {@link ProviderErrorException} (the
 * server writes it back as Anthropic's error event).
 *
 * <p>The events come from an {@link EventSource}: Anthropic's own SSE body, or another cloud's
 * framing of the same events (Bedrock's InvokeModelWithResponseStream), so that every cloud's
 * Claude stream is checked by the same rules.
 */
public final class AnthropicMessageStream implements ResponseStream<SseEvent> {
  private final String provider;
  private final EventSource source;
  private boolean over;

  /**
   * Where an Anthropic stream's events come from, one at a time, as they came: an event's {@code
   * event} name may be {@code null}, its type is then its data's {@code type}.
   */
  public interface EventSource extends AutoCloseable {
    /** The provider's response headers worth passing back to the client. */
    List<Map.Entry<String, String>> headers();

    /**
     * The next event, or {@code null} at the end of the body.
     *
     * @throws dev.switchboard.engine.errors.GatewayException when the provider breaks off or sends
     *     something that is not an event
     */
    SseEvent next();

    /** Stops the call: the upstream connection is closed. */
    void abort();

    /** Releases the call; if it is not over, cancels it. */
    @Override
    void close();
  }

  /** Anthropic's own stream: server-sent events. */
  AnthropicMessageStream(String provider, UpstreamResponse response) {
    this(provider, new SseSource(response));
  }

  private AnthropicMessageStream(String provider, EventSource source) {
    this.provider = provider;
    this.source = source;
  }

  /** Anthropic's events from another source, checked as Anthropic's own stream is. */
  public static ResponseStream<SseEvent> of(String provider, EventSource source) {
    return new AnthropicMessageStream(provider, source);
  }

  @Override
  public List<Map.Entry<String, String>> headers() {
    return source.headers();
  }

  @Override
  public SseEvent next() {
    if (over) {
      return null;
    }
    SseEvent event;
    try {
      event = source.next();
    } catch (RuntimeException e) {
      over = true;
      source.abort();
      throw e;
    }
    if (event == null) {
      over = true;
      source.abort();
      throw new UpstreamFailureException(
          provider, "The provider's stream ended before it was complete.", true, null);
    }
    JsonNode data;
    try {
      data = WireJson.tree(event.data());
    } catch (WireFormatException e) {
      over = true;
      source.abort();
      throw new UpstreamFailureException(
          provider, "The provider sent an event that is not valid JSON.", true, e);
    }
    String type = AnthropicChatStream.typeOf(event, data);
    switch (AnthropicStreamEvent.parse(type, data)) {
      case AnthropicStreamEvent.Error error -> {
        over = true;
        source.abort();
        JsonNode body = AnthropicErrors.errorObject(error.data());
        throw new ProviderErrorException(
            AnthropicErrors.statusOf(body.path("type").asText(null)), provider, body, List.of());
      }
      case AnthropicStreamEvent.MessageStop stop -> {
        over = true;
        source.close();
      }
      default -> {}
    }
    return new SseEvent(type, event.data(), null);
  }

  @Override
  public void close() {
    over = true;
    source.close();
  }

  /** Anthropic's server-sent events. */
  private static final class SseSource implements EventSource {
    private final UpstreamResponse response;
    private final SseReader reader;

    SseSource(UpstreamResponse response) {
      this.response = response;
      this.reader = new SseReader(response.body());
    }

    @Override
    public List<Map.Entry<String, String>> headers() {
      return response.headers();
    }

    @Override
    public SseEvent next() {
      try {
        return reader.next();
      } catch (IOException e) {
        throw response.translate(e);
      }
    }

    @Override
    public void abort() {
      response.abort();
    }

    @Override
    public void close() {
      response.close();
    }
  }
}
