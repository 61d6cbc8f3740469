package dev.switchboard.engine.providers.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.engine.sse.SseReader;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

/**
 * A Cohere v2 event stream read as OpenAI chunks: the HTTP half of {@link CohereStreamTranslator}.
 * A stream that ends without {@code message-end} broke off and says so.
 */
final class CohereChatStream implements ResponseStream<ChatCompletionChunk> {
  private final String provider;
  private final UpstreamResponse response;
  private final SseReader reader;
  private final CohereStreamTranslator translator;
  private final ArrayDeque<ChatCompletionChunk> pending = new ArrayDeque<>();
  private boolean over;

  CohereChatStream(String provider, UpstreamResponse response, CohereStreamTranslator translator) {
    this.provider = provider;
    this.response = response;
    this.reader = new SseReader(response.body());
    this.translator = translator;
  }

  @Override
  public List<Map.Entry<String, String>> headers() {
    return response.headers();
  }

  @Override
  public ChatCompletionChunk next() {
    while (pending.isEmpty()) {
      if (over || translator.finished()) {
        if (!over) {
          over = true;
          response.close();
        }
        return null;
      }
      SseEvent event = readEvent();
      try {
        JsonNode data = WireJson.tree(event.data());
        String type = event.event() != null ? event.event() : data.path("type").asText("");
        pending.addAll(translator.translate(type, data));
      } catch (WireFormatException e) {
        over = true;
        response.abort();
        throw new UpstreamFailureException(
            provider, "The provider sent an event that is not valid JSON.", true, e);
      } catch (GatewayException e) {
        over = true;
        response.abort();
        throw e;
      }
    }
    return pending.poll();
  }

  private SseEvent readEvent() {
    try {
      SseEvent event = reader.next();
      if (event == null) {
        over = true;
        response.abort();
        throw new UpstreamFailureException(
            provider, "The provider's stream ended before it was complete.", true, null);
      }
      return event;
    } catch (IOException e) {
      over = true;
      throw response.translate(e);
    }
  }

  @Override
  public void close() {
    over = true;
    response.close();
  }
}
