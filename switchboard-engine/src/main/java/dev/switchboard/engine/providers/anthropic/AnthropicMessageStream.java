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
import java.util.List;
import java.util.Map;

/**
 * An Anthropic event stream passed through in Anthropic's format ({@code POST /v1/messages}): each
 * event as it came, {@code ping} included. The stream is complete after {@code message_stop}; an
 * end before it is a failure, and an {@code error} event is a {@link ProviderErrorException} (the
 * server writes it back as Anthropic's error event).
 */
final class AnthropicMessageStream implements ResponseStream<SseEvent> {
  private final String provider;
  private final UpstreamResponse response;
  private final SseReader reader;
  private boolean over;

  AnthropicMessageStream(String provider, UpstreamResponse response) {
    this.provider = provider;
    this.response = response;
    this.reader = new SseReader(response.body());
  }

  @Override
  public List<Map.Entry<String, String>> headers() {
    return response.headers();
  }

  @Override
  public SseEvent next() {
    if (over) {
      return null;
    }
    SseEvent event;
    try {
      event = AnthropicChatStream.readEvent(provider, response, reader);
    } catch (RuntimeException e) {
      over = true;
      throw e;
    }
    JsonNode data;
    try {
      data = WireJson.tree(event.data());
    } catch (WireFormatException e) {
      over = true;
      response.abort();
      throw new UpstreamFailureException(
          provider, "The provider sent an event that is not valid JSON.", true, e);
    }
    String type = AnthropicChatStream.typeOf(event, data);
    switch (AnthropicStreamEvent.parse(type, data)) {
      case AnthropicStreamEvent.Error error -> {
        over = true;
        response.abort();
        JsonNode body = AnthropicErrors.errorObject(error.data());
        throw new ProviderErrorException(
            AnthropicErrors.statusOf(body.path("type").asText(null)), provider, body, List.of());
      }
      case AnthropicStreamEvent.MessageStop stop -> {
        over = true;
        response.close();
      }
      default -> {}
    }
    return new SseEvent(type, event.data(), null);
  }

  @Override
  public void close() {
    over = true;
    response.close();
  }
}
