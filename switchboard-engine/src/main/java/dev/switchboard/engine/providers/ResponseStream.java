package dev.switchboard.engine.providers;

/**
 * A provider's streamed response, one event at a time. Closing it before the end cancels the
 * upstream call. Not thread-safe: one reader.
 *
 * @param <T> the event type ({@code ChatCompletionChunk}, {@code Completion})
 */
public interface ResponseStream<T> extends AutoCloseable {

  /** The provider's response headers worth passing back to the client. */
  default java.util.List<java.util.Map.Entry<String, String>> headers() {
    return java.util.List.of();
  }

  /**
   * The next event, blocking until it arrives; {@code null} once the provider ended the stream
   * normally.
   *
   * @throws dev.switchboard.engine.errors.GatewayException when the provider breaks off or sends
   *     something that is not a valid event; the stream is then over
   */
  T next();

  /** Ends the stream; if it is not over, the upstream call is cancelled. */
  @Override
  void close();
}
