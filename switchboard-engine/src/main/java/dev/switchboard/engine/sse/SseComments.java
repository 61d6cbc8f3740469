package dev.switchboard.engine.sse;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Where the comment lines of a provider's event stream ({@code : keep-alive}, sent while a model
 * thinks) go: to the client, which they keep, with any proxy between, from taking the silence for a
 * dead connection. Every {@link SseReader} reports the comments it skips to the sink bound on the
 * reading thread, if any; the server binds one around each read of the stream it writes, so the
 * comments reach its client in their place among the events, however many streams wrap the
 * provider's. Comments read on a thread with no sink bound (a client of the gateway reading its
 * stream) are dropped, as the standard says.
 */
public final class SseComments {
  private static final ThreadLocal<Consumer<String>> SINK = new ThreadLocal<>();

  private SseComments() {}

  /**
   * Runs {@code read} with the comments read on this thread meanwhile given to {@code sink} (each a
   * whole line, its leading colon included).
   */
  public static <T> T forwardingTo(Consumer<String> sink, Supplier<T> read) {
    Consumer<String> outer = SINK.get();
    SINK.set(sink);
    try {
      return read.get();
    } finally {
      if (outer == null) {
        SINK.remove();
      } else {
        SINK.set(outer);
      }
    }
  }

  static void heard(String comment) {
    Consumer<String> sink = SINK.get();
    if (sink != null) {
      sink.accept(comment);
    }
  }
}
