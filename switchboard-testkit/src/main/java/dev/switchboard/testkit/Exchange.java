package dev.switchboard.testkit;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * One request being answered, whatever the provider: the head, a body of known length, a stream
 * written chunk by chunk (counted in the fake's {@link StreamCounters}), pauses between chunks, and
 * the two ways a fake breaks a connection. A provider's exchange adds the headers it sends on every
 * answer, its framing and its error shapes.
 */
abstract class Exchange {
  static final HttpField JSON_TYPE =
      new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
  static final HttpField EVENT_STREAM_TYPE =
      new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");

  /** How often a wait looks whether the client closed its connection. */
  private static final Duration WATCH_EVERY = Duration.ofMillis(10);

  private final Request request;
  private final Response response;
  private final Callback callback;
  private final StreamCounters streams;

  Exchange(Request request, Response response, Callback callback, StreamCounters streams) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.streams = streams;
  }

  /** Adds the headers the provider sends on every answer, which follow {@code Content-Type}. */
  abstract void addProviderHeaders(HttpFields.Mutable headers);

  /** Sets the status and the headers: {@code contentType}, the provider's, then {@code extra}. */
  final void writeHeaders(int status, HttpField contentType, Map<String, String> extra) {
    response.setStatus(status);
    HttpFields.Mutable headers = response.getHeaders();
    headers.add(contentType);
    addProviderHeaders(headers);
    extra.forEach(headers::put);
  }

  /** The response's headers, to add to those {@link #writeHeaders} set before they are sent. */
  final HttpFields.Mutable headers() {
    return response.getHeaders();
  }

  /**
   * Sends {@code body} with its {@code Content-Length}; when {@code cutHalfway}, only its first
   * half, then {@linkplain #cutConnection() cuts} the connection.
   */
  final void sendBody(byte[] body, boolean cutHalfway) throws IOException {
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    if (cutHalfway) {
      Content.Sink.write(response, false, ByteBuffer.wrap(body, 0, body.length / 2));
      cutConnection();
      return;
    }
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  /** A stream's body, written with the blocking writes of its {@link Exchange}. */
  @FunctionalInterface
  interface StreamBody {
    void write() throws IOException;
  }

  /**
   * Writes a stream: counted open while {@code body} writes it, and aborted by its client when a
   * write fails (the client went away), which fails the answer; a stream that ends otherwise,
   * complete or cut by a fault, is counted closed.
   */
  final void stream(StreamBody body) {
    streams.opened();
    boolean clientLeft = false;
    try {
      body.write();
    } catch (IOException clientGone) {
      clientLeft = true;
      callback.failed(clientGone);
    } finally {
      if (clientLeft) {
        streams.abortedByClient();
      } else {
        streams.closed();
      }
    }
  }

  /**
   * Sends the head at once, before any of the body, as providers do before a stream's first event.
   */
  final void commitHeaders() throws IOException {
    Content.Sink.write(response, false, ByteBuffer.allocate(0));
  }

  /** Writes {@code chunk}, waiting until it is written; {@code last} ends the body. */
  final void write(byte[] chunk, boolean last) throws IOException {
    Content.Sink.write(response, last, ByteBuffer.wrap(chunk));
  }

  /** The answer is complete. */
  final void succeeded() {
    callback.succeeded();
  }

  /**
   * Waits {@code delay}, e.g. between chunks or before the first byte, and stops waiting when the
   * client closes its connection meanwhile, as a provider stops generating for a client that left:
   * that answer ends there, counted in {@link StreamCounters#clientLeftWhileWaiting()}.
   *
   * @throws IOException when the client closed the connection during the wait
   */
  final void sleep(Duration delay) throws IOException {
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    long deadline = System.nanoTime() + delay.toNanos();
    boolean watching = true;
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        if (watching) {
          // The request was read whole and Jetty reads nothing more until the answer is done, so
          // this read is the only one: the end of input means the client closed the connection.
          int read;
          try {
            read = endPoint.fill(BufferUtil.allocate(1));
          } catch (IOException reset) {
            read = -1;
          }
          if (read < 0) {
            streams.clientLeftWhileWaiting();
            throw new EofException("the client closed the connection while the answer waited");
          }
          // Bytes of a pipelined request: the connection cannot be watched without eating them.
          watching = read == 0;
        }
        Thread.sleep(Math.min(WATCH_EVERY.toMillis(), Math.max(1, left / 1_000_000)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while delaying the answer", e);
    }
  }

  /** Closes the connection mid-answer: the client sees its body end early, with no error event. */
  final void cutConnection() {
    // A FIN after what was written, not a reset: a reset can make the client's kernel drop the
    // events already sent, and the cut must come after them.
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    endPoint.shutdownOutput();
    endPoint.close();
    callback.failed(new EofException("answer cut by the fake, as asked"));
  }

  /** Resets the TCP connection: with SO_LINGER 0, closing the socket sends RST instead of FIN. */
  final void resetConnection() throws IOException {
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    if (endPoint instanceof SocketChannelEndPoint socket) {
      socket.getChannel().setOption(StandardSocketOptions.SO_LINGER, 0);
    }
    endPoint.close();
    callback.failed(new EofException("connection reset by the fake, as asked"));
  }
}
