package dev.switchboard.engine.providers.bedrock;

import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.wire.ChatCompletionChunk;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

/**
 * A ConverseStream response body, {@code application/vnd.amazon.eventstream} frames decoded by
 * AWS's event-stream library (which checks each frame's prelude and message CRCs), translated by a
 * {@link ConverseStreamTranslator}. A body that ends before {@code messageStop} broke off and says
 * so; it is never taken for a complete answer.
 */
final class ConverseEventStream implements ResponseStream<ChatCompletionChunk> {
  private final UpstreamResponse response;
  private final InputStream body;
  private final ConverseStreamTranslator translator;
  private final Deque<Message> frames = new ArrayDeque<>();
  private final MessageDecoder decoder = new MessageDecoder(frames::add);
  private final Deque<ChatCompletionChunk> ready = new ArrayDeque<>();
  private final byte[] buffer = new byte[8192];
  private boolean over;

  ConverseEventStream(UpstreamResponse response, ConverseStreamTranslator translator) {
    this.response = response;
    this.body = response.body();
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

  /** The next frame, reading the body as far as needed; {@code null} at the body's end. */
  private Message nextFrame() {
    try {
      while (frames.isEmpty()) {
        int n = body.read(buffer);
        if (n < 0) {
          return null;
        }
        decoder.feed(buffer, 0, n);
      }
      return frames.poll();
    } catch (IOException e) {
      over = true;
      throw response.translate(e);
    } catch (RuntimeException e) {
      // The decoder refuses a frame whose lengths or checksums do not add up.
      over = true;
      response.abort();
      throw new UpstreamFailureException(
          "bedrock",
          "The provider sent a malformed event-stream frame: " + e.getMessage(),
          true,
          e);
    }
  }

  @Override
  public void close() {
    over = true;
    response.close();
  }
}
