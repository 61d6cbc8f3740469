package dev.switchboard.engine.providers.bedrock;

import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.TranslatedStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

/**
 * The frames of an {@code application/vnd.amazon.eventstream} body, decoded by AWS's event-stream
 * library, which checks each frame's prelude and message CRCs
 * (https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html describes the framing).
 * Shared by ConverseStream (the {@link TranslatedStream}'s source, its frames translated by a
 * {@link ConverseStreamTranslator}) and InvokeModelWithResponseStream.
 */
final class EventStreamReader implements TranslatedStream.EventSource<Message> {
  private final UpstreamResponse response;
  private final InputStream body;
  private final Deque<Message> frames = new ArrayDeque<>();
  private final MessageDecoder decoder = new MessageDecoder(frames::add);
  private final byte[] buffer = new byte[8192];

  EventStreamReader(UpstreamResponse response) {
    this.response = response;
    this.body = response.body();
  }

  /**
   * The next frame, reading the body as far as needed; {@code null} at the body's end.
   *
   * @throws dev.switchboard.engine.errors.GatewayException when the body breaks off or a frame is
   *     malformed (the call is then aborted)
   */
  @Override
  public Message next() {
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
      throw response.translate(e);
    } catch (RuntimeException e) {
      // The decoder refuses a frame whose lengths or checksums do not add up.
      response.abort();
      throw new UpstreamFailureException(
          "bedrock",
          "The provider sent a malformed event-stream frame: " + e.getMessage(),
          true,
          e);
    }
  }
}
