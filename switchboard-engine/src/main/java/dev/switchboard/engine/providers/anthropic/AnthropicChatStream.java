package dev.switchboard.engine.providers.anthropic;

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
 * An Anthropic event stream read as OpenAI chunks: the HTTP half of {@link
 * AnthropicStreamTranslator}. A stream that ends without {@code message_stop} broke off and says
 * so: it is never taken for a complete answer. Public for Anthropic's models on other clouds
 * (Vertex AI's {@code streamRawPredict}).
 */
public final class AnthropicChatStream implements ResponseStream<ChatCompletionChunk> {
  private final String provider;
  private final UpstreamResponse response;
  private final SseReader reader;
  private final AnthropicStreamTranslator translator;
  private final ArrayDeque<ChatCompletionChunk> pending = new ArrayDeque<>();
  private boolean over;

  public AnthropicChatStream(
      String provider, UpstreamResponse response, AnthropicStreamTranslator translator) {
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
      SseEvent event = readEvent(provider, response, reader);
      try {
        JsonNode data = WireJson.tree(event.data());
        pending.addAll(translator.translate(event.event(), data));
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

  /** The next event; the end of the body before {@code message_stop} is a failure. */
  static SseEvent readEvent(String provider, UpstreamResponse response, SseReader reader) {
    try {
      SseEvent event = reader.next();
      if (event == null) {
        response.abort();
        throw new UpstreamFailureException(
            provider, "The provider's stream ended before it was complete.", true, null);
      }
      return event;
    } catch (IOException e) {
      throw response.translate(e);
    }
  }

  /** An event's type: its {@code event:} line, else its data's {@code type}. */
  static String typeOf(SseEvent event, JsonNode data) {
    return event.event() != null ? event.event() : data.path("type").asText("");
  }

  @Override
  public void close() {
    over = true;
    response.close();
  }
}
