package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
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
import org.eclipse.jetty.util.Callback;

/**
 * One request being answered: writes a {@link Reply} the way OpenAI frames it (headers, JSON
 * bodies, {@code data:} events and {@code [DONE]}), with this request's {@link Fault} applied to
 * the delivery.
 */
final class Exchange {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final HttpField JSON_TYPE =
      new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/json");
  private static final HttpField EVENT_STREAM_TYPE =
      new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");

  /** Headers OpenAI sends on every answer; the rate-limit figures are fixed. */
  private static final HttpFields OPENAI_HEADERS =
      HttpFields.build()
          .put("openai-version", "2020-10-01")
          .put("access-control-expose-headers", "X-Request-ID")
          .put("x-ratelimit-limit-requests", "10000")
          .put("x-ratelimit-limit-tokens", "30000000")
          .put("x-ratelimit-remaining-requests", "9999")
          .put("x-ratelimit-remaining-tokens", "29999990")
          .put("x-ratelimit-reset-requests", "6ms")
          .put("x-ratelimit-reset-tokens", "0s")
          .asImmutable();

  private final Request request;
  private final Response response;
  private final Callback callback;
  private final StreamCounters streams;
  private final long receivedNanos = System.nanoTime();

  Exchange(Request request, Response response, Callback callback, StreamCounters streams) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.streams = streams;
  }

  /**
   * Sends {@code reply}, changed by {@code fault}: cut, malformed or slowed. A {@code null} fault,
   * or one that does not touch delivery, sends it as it is.
   */
  void send(Reply reply, Fault fault) throws IOException {
    switch (reply) {
      case Reply.Json json -> sendJson(json, fault);
      case Reply.EventStream stream -> sendEvents(stream, fault);
    }
  }

  /** Resets the TCP connection: with SO_LINGER 0, closing the socket sends RST instead of FIN. */
  void resetConnection() throws IOException {
    EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    if (endPoint instanceof SocketChannelEndPoint socket) {
      socket.getChannel().setOption(StandardSocketOptions.SO_LINGER, 0);
    }
    endPoint.close();
    callback.failed(new EofException("connection reset by the fake, as asked"));
  }

  private void sendJson(Reply.Json json, Fault fault) throws IOException {
    byte[] body = JSON.writeValueAsBytes(json.body());
    int status = json.status();
    if (fault instanceof Fault.MalformedBody) {
      status = 200;
      body = Arrays.copyOf(body, body.length / 2);
    }
    writeHeaders(status, json.headers(), JSON_TYPE);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    if (fault instanceof Fault.CutStreamAfter) {
      Content.Sink.write(response, false, ByteBuffer.wrap(body, 0, body.length / 2));
      cutConnection();
      return;
    }
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  /**
   * Commits the headers at once, as OpenAI does before the first event, then sends each event,
   * waiting between them for {@link Fault.ChunkDelay}.
   */
  private void sendEvents(Reply.EventStream stream, Fault fault) throws IOException {
    writeHeaders(200, Map.of(), EVENT_STREAM_TYPE);
    streams.opened();
    boolean clientLeft = false;
    try {
      Content.Sink.write(response, false, ByteBuffer.allocate(0));
      int sent = 0;
      for (JsonNode event : stream.events()) {
        if (fault instanceof Fault.CutStreamAfter cut && sent == cut.chunks()) {
          cutConnection();
          return;
        }
        if (fault instanceof Fault.StreamError error && sent == error.afterEvents()) {
          sendErrorEvent(error);
          return;
        }
        if (sent > 0) {
          pause(fault);
        }
        byte[] data = JSON.writeValueAsBytes(event);
        if (sent == 0 && fault instanceof Fault.MalformedBody) {
          data = Arrays.copyOf(data, data.length / 2);
        }
        Content.Sink.write(response, false, ByteBuffer.wrap(event(data)));
        sent++;
      }
      if (fault instanceof Fault.CutStreamAfter) {
        cutConnection();
        return;
      }
      if (fault instanceof Fault.StreamError error) {
        sendErrorEvent(error); // the stream was shorter than the events to let through
        return;
      }
      pause(fault);
      Content.Sink.write(response, true, ByteBuffer.wrap(DONE));
      callback.succeeded();
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

  /** OpenAI's in-band error event, then the end of the stream without {@code [DONE]}. */
  private void sendErrorEvent(Fault.StreamError error) throws IOException {
    JsonNode body = ApiError.forStatus(error.status(), "gpt-4o-mini", null).body();
    Content.Sink.write(response, true, ByteBuffer.wrap(event(JSON.writeValueAsBytes(body))));
    callback.succeeded();
  }

  private void pause(Fault fault) throws IOException {
    if (fault instanceof Fault.ChunkDelay delay) {
      sleep(delay.delay());
    }
  }

  static void sleep(Duration delay) throws IOException {
    try {
      Thread.sleep(delay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while delaying the answer", e);
    }
  }

  private static byte[] event(byte[] data) {
    byte[] event = new byte[6 + data.length + 2];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
    System.arraycopy(data, 0, event, 6, data.length);
    event[event.length - 2] = '\n';
    event[event.length - 1] = '\n';
    return event;
  }

  private void writeHeaders(int status, Map<String, String> extra, HttpField contentType) {
    response.setStatus(status);
    var headers = response.getHeaders();
    headers.add(contentType);
    headers.put("x-request-id", OpenAiIds.request());
    headers.put(
        "openai-processing-ms",
        Long.toString(Duration.ofNanos(System.nanoTime() - receivedNanos).toMillis()));
    headers.add(OPENAI_HEADERS);
    extra.forEach(headers::put);
  }

  /** Closes the connection mid-answer: the client sees its body end early, with no error event. */
  private void cutConnection() {
    // A FIN after what was written, not a reset: a reset can make the client's kernel drop the
    // events already sent, and the cut must come after them.
    var endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    endPoint.shutdownOutput();
    endPoint.close();
    callback.failed(new EofException("answer cut by the fake, as asked"));
  }
}
