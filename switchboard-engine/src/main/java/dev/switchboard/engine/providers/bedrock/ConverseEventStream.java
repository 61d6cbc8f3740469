package dev.switchboard.engine.providers.bedrock;

import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.wire.ChatCompletionChunk;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import software.amazon.eventstream.Message;

/**
 * A ConverseStream response body, {@code application/vnd.amazon.eventstream} frames read by an
 * {@link EventStreamReader} and translated by a {@link ConverseStreamTranslator}. A body that ends
 * before {@code messageStop} broke off and says so; it is never taken for a complete answer.
 */
final class ConverseEventStream implements ResponseStream<ChatCompletionChunk> {
  private final UpstreamResponse response;
  private final EventStreamReader frames;
  private final ConverseStreamTranslator translator;
  private final Deque<ChatCompletionChunk> ready = new ArrayDeque<>();
  private boolean over;

  ConverseEventStream(UpstreamResponse response, ConverseStreamTranslator translator) {
    this.response = response;
    this.frames = new EventStreamReader(response);
    this.translator = translator;
  }

  @Override
  public List<Map.Entry<String, String>> headers() {
    return response.headers();
  }

  @Override
  public ChatCompletionChunk next() {
    while (ready.isEmpty()) {
      if (over) {
        return null;
      }
      Message frame = nextFrame();
      if (frame == null) {
        over = true;
        response.close();
        if (!translator.stopped()) {
          throw new UpstreamFailureException(
              "bedrock", "The provider's stream ended before it was complete.", true, null);
        }
        return null;
      }
      try {
        ready.addAll(translator.translate(frame));
      } catch (GatewayException e) {
        over = true;
        response.abort();
        throw e;
      }
    }
    return ready.poll();
  }

  /** The next frame; {@code null} at the body's end. */
  private Message nextFrame() {
    try {
      return frames.next();
    } catch (RuntimeException e) {
      over = true;
      throw e;
    }
  }

  @Override
  public void close() {
    over = true;
    response.close();
  }
}
