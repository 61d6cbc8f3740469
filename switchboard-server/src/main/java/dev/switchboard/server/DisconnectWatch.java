package dev.switchboard.server;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable.InvocationType;

/**
 * Watches an HTTP/1.1 connection while its request is routed and while a stream or a passed-through
 * body is written, and reports the client closing it.
 *
 * <p>Jetty notices a closed connection only when it reads or writes, and it does not read while a
 * request is handled, so a client that leaves during a retry wait, or while a provider is silent
 * mid-stream, would go unnoticed until the next write. The watch asks to be told when the idle
 * connection turns readable and then reads it: the end of input means the client left. A wake-up
 * with nothing to read ends the watch for this request (rare; it is not re-armed). Bytes that
 * arrive before the answer (a pipelining client) cannot be handed back to Jetty, so the connection
 * is closed after this answer, which RFC 9112 section 9.3.2 has a pipelining client expect: it
 * retries the requests left unanswered.
 *
 * <p>The wake-up runs on the selector's own thread (a non-blocking callback), not on a thread of
 * the server's pool: those are virtual, and while busy virtual threads hold every carrier a
 * blocking callback would wait for one, so a retry wait could end and begin another attempt for a
 * client already gone. What runs there must not block: a read of one byte from a non-blocking
 * channel and {@code onDisconnect}, which must only mark and interrupt, handing any slower work to
 * a thread of its own.
 */
final class DisconnectWatch implements AutoCloseable {
  private final EndPoint endPoint;
  private final Runnable onDisconnect;
  private boolean watching = true;
  private boolean armed;
  private boolean readAhead;

  private DisconnectWatch(EndPoint endPoint, Runnable onDisconnect) {
    this.endPoint = endPoint;
    this.onDisconnect = onDisconnect;
  }

  /**
   * Starts watching {@code request}'s connection, if it is HTTP/1.1 and idle; {@code onDisconnect}
   * runs on a selector thread and must not block.
   */
  static DisconnectWatch start(Request request, Runnable onDisconnect) {
    var watch =
        new DisconnectWatch(
            request.getConnectionMetaData().getConnection().getEndPoint(), onDisconnect);
    if (request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_1_1) {
      watch.arm();
    } else {
      watch.watching = false;
    }
    return watch;
  }

  /** Whether the client sent bytes before its answer; the connection must then be closed. */
  synchronized boolean sawReadAhead() {
    return readAhead;
  }

  private synchronized void arm() {
    if (watching && !armed) {
      // When someone else is already reading the connection, it will notice the close itself.
      armed =
          endPoint.tryFillInterested(
              Callback.from(InvocationType.NON_BLOCKING, this::readable, this::failed));
    }
  }

  private void readable() {
    boolean left;
    synchronized (this) {
      armed = false;
      if (!watching) {
        return;
      }
      int read;
      try {
        read = endPoint.fill(BufferUtil.allocate(1));
      } catch (IOException e) {
        read = -1;
      }
      // Whatever the wake-up held, the watch is over: re-arming it from its own callback could
      // leave an interest registered past the answer, which fails the next request on the
      // connection.
      watching = false;
      readAhead = read > 0;
      left = read < 0;
    }
    if (left) {
      onDisconnect.run();
    }
  }

  private void failed(Throwable failure) {
    boolean left;
    synchronized (this) {
      armed = false;
      left = watching && !(failure instanceof CancellationException);
      watching = false;
    }
    if (left) {
      onDisconnect.run();
    }
  }

  /** Stops watching; the connection is Jetty's alone again. */
  @Override
  public void close() {
    boolean cancel;
    synchronized (this) {
      watching = false;
      cancel = armed;
      armed = false;
    }
    if (cancel && endPoint instanceof AbstractEndPoint watched) {
      watched.getFillInterest().onFail(new AnswerReady());
    }
  }

  /**
   * Cancels the watch's read interest once the answer is ready: made for every request that was
   * watched, so without a stack trace (nothing throws it; filling one in cost more than the rest of
   * the watch).
   */
  private static final class AnswerReady extends CancellationException {
    AnswerReady() {
      super("the answer is ready");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
