package dev.switchboard.engine.providers.openai;

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
import java.util.Map;

/**
 * An OpenAI-format event stream: {@code data: <json>} events ending with {@code data: [DONE]}
 * (https://platform.openai.com/docs/api-reference/chat-streaming). A stream that ends without
 * {@code [DONE]} broke off, and says so: it is never taken for a complete answer.
 */
final class OpenAiEventStream<T> implements ResponseStream<T> {
  private static final String DONE = "[DONE]";

  /**
   * An event without this text cannot be an error event, so it is read straight into its type; one
   * with it (an error, or a chunk that merely says "error") is looked at as a tree first.
   */
  private static final String ERROR_KEY = "\"error\"";

  private final String provider;
  private final UpstreamResponse response;
  private final SseReader reader;
  private final Class<T> eventType;
  private boolean over;

  OpenAiEventStream(String provider, UpstreamResponse response, Class<T> eventType) {
    this.provider = provider;
    this.response = response;
    this.reader = new SseReader(response.body());
    this.eventType = eventType;
  }

  @Override
  public java.util.List<Map.Entry<String, String>> headers() {
    return response.headers();
  }

  @Override
  public T next() {
    if (over) {
      return null;
    }
    try {
      SseEvent event = reader.next();
      if (event == null) {
        over = true;
        throw new UpstreamFailureException(
            provider, "The provider's stream ended before it was complete.", true, null);
      }
      if (DONE.equals(event.data().strip())) {
        over = true;
        response.close();
        return null;
      }
      if (!event.data().contains(ERROR_KEY)) {
        return WireJson.readKeepingSource(event.data(), eventType);
      }
      JsonNode json = WireJson.tree(event.data());
      JsonNode error = json.get("error");
      if (error != null && error.isObject()) {
        over = true;
        int status = error.path("status").asInt(500);
        throw new ProviderErrorException(status, provider, error, java.util.List.of());
      }
      return WireJson.readKeepingSource(event.data(), eventType);
    } catch (IOException e) {
      over = true;
      throw response.translate(e);
    } catch (WireFormatException e) {
      over = true;
      response.abort();
      throw new UpstreamFailureException(
          provider, "The provider sent an event that is not valid JSON.", true, e);
    }
  }

  @Override
  public void close() {
    over = true;
    response.close();
  }
}
