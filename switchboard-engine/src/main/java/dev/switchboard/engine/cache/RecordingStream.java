package dev.switchboard.engine.cache;

import dev.switchboard.engine.providers.ResponseStream;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Passes a provider's stream through to the client unchanged while gathering it, and hands the
 * gathered answer on only when the stream ended normally (the provider's {@code [DONE]}). A stream
 * that fails, is closed early, or grows past the size limit is never handed on.
 */
final class RecordingStream<T> implements ResponseStream<T> {
  private final ResponseStream<T> stream;
  private final ToLongFunction<T> gather;
  private final long maxCharacters;
  private final Runnable completed;
  private boolean recording = true;

  /**
   * @param gather adds one event to the recording and returns the characters gathered so far
   * @param completed called once, on the reader's thread, after the last event of a stream that
   *     ended normally
   */
  RecordingStream(
      ResponseStream<T> stream, ToLongFunction<T> gather, long maxCharacters, Runnable completed) {
    this.stream = stream;
    this.gather = gather;
    this.maxCharacters = maxCharacters;
    this.completed = completed;
  }

  static <T> RecordingStream<T> of(
      ResponseStream<T> stream, ToLongFunction<T> gather, long maxCharacters, Runnable completed) {
    return new RecordingStream<>(stream, gather, maxCharacters, completed);
  }

  @Override
  public List<Map.Entry<String, String>> headers() {
    return stream.headers();
  }

  @Override
  public T next() {
    T event;
    try {
      event = stream.next();
    } catch (RuntimeException failure) {
      recording = false;
      throw failure;
    }
    if (!recording) {
      return event;
    }
    if (event == null) {
      recording = false;
      completed.run();
      return null;
    }
    if (gather.applyAsLong(event) > maxCharacters) {
      recording = false;
    }
    return event;
  }

  @Override
  public void close() {
    recording = false;
    stream.close();
  }
}
