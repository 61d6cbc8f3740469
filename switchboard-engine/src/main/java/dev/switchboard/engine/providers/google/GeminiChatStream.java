package dev.switchboard.engine.providers.google;

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
 * A Gemini {@code alt=sse} stream read as OpenAI chunks: the HTTP half of {@link
 * GeminiStreamTranslator}. Gemini's stream has no end event; a body that ends before an event said
 * how the answer finished broke off and says so: it is never taken for a complete answer.
 */
final class GeminiChatStream implements ResponseStream<ChatCompletionChunk> {
  private final String provider;
  private final UpstreamResponse response;
  private final SseReader reader;
  private final GeminiStreamTranslator translator;
  private final ArrayDeque<ChatCompletionChunk> pending = new ArrayDeque<>();
  private boolean over;

  GeminiChatStream(String provider, UpstreamResponse response, GeminiStreamTranslator translator) {
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
      if (over) {
        return null;
      }
      SseEvent event;
      try {
        event = reader.next();
      } catch (IOException e) {
        over = true;
        throw response.translate(e);
      }
      if (event == null) {
        over = true;
        if (!translator.finished()) {
          response.abort();
          throw new UpstreamFailureException(
              provider, "The provider's stream ended before it was complete.", true, null);
        }
        response.close();
        pending.addAll(translator.end());
        continue;
      }
      if (event.data() == null || event.data().isBlank()) {
        continue;
      }
      try {
        JsonNode data = WireJson.tree(event.data());
        pending.addAll(translator.translate(data));
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

  @Override
  public void close() {
    over = true;
    response.close();
  }
}
