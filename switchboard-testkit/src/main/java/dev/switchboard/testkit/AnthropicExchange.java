package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request being answered the way Anthropic frames it: JSON bodies, and streams of {@code event:
 * <type>\ndata: <json>\n\n} events with no terminator after {@code message_stop}
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming), with the request's {@link
 * Fault} applied to the delivery.
 */
final class AnthropicExchange {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Request request;
  private final Response response;
  private final Callback callback;
  private final StreamCounters streams;
  private final String requestId;

  AnthropicExchange(
      Request request,
      Response response,
      Callback callback,
      StreamCounters streams,
      String requestId) {
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.streams = streams;
    this.requestId = requestId;
  }

  void send(Reply reply, Fault fault) throws IOException {
    switch (reply) {
      case Reply.Json json -> sendJson(json, fault);
      case Reply.EventStream stream -> sendEvents(stream, fault);
    }
  }

  private void sendJson(Reply.Json json, Fault fault) throws IOException {
    byte[] body = JSON.writeValueAsBytes(json.body());
    int status = json.status();
    if (fault instanceof Fault.MalformedBody) {
      status = 200;
      body = Arrays.copyOf(body, body.length / 2);
    }
    writeHeaders(status, "application/json");
    json.headers().forEach(response.getHeaders()::put);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    if (fault instanceof Fault.CutStreamAfter) {
      Content.Sink.write(response, false, ByteBuffer.wrap(body, 0, body.length / 2));
      cut();
      return;
    }
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  private void sendEvents(Reply.EventStream stream, Fault fault) throws IOException {
    writeHeaders(200, "text/event-stream; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    streams.opened();
    boolean clientLeft = false;
    try {
      Content.Sink.write(response, false, ByteBuffer.allocate(0));
      int sent = 0;
      for (JsonNode event : stream.events()) {
        if (fault instanceof Fault.CutStreamAfter cut && sent == cut.chunks()) {
          cut();
          return;
        }
        if (fault instanceof Fault.StreamError error && sent == error.afterEvents()) {
          sendError(error);
          return;
        }
        if (sent > 0 && fault instanceof Fault.ChunkDelay delay) {
          Exchange.sleep(delay.delay());
        }
        byte[] data = JSON.writeValueAsBytes(event);
        if (sent == 0 && fault instanceof Fault.MalformedBody) {
          data = Arrays.copyOf(data, data.length / 2);
        }
        boolean last =
            sent == stream.events().size() - 1
                && !(fault instanceof Fault.CutStreamAfter)
                && !(fault instanceof Fault.StreamError);
        Content.Sink.write(
            response, last, ByteBuffer.wrap(frame(event.path("type").asText(), data)));
        sent++;
      }
      if (fault instanceof Fault.CutStreamAfter) {
        cut();
        return;
      }
      if (fault instanceof Fault.StreamError error) {
        sendError(error);
        return;
      }
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

  /** Anthropic's {@code error} event, after which the stream ends. */
  private void sendError(Fault.StreamError error) throws IOException {
    byte[] data = JSON.writeValueAsBytes(AnthropicError.forStatus(error.status()).event());
    Content.Sink.write(response, true, ByteBuffer.wrap(frame("error", data)));
    callback.succeeded();
  }

  static byte[] frame(String type, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + type.length() + 16);
    out.writeBytes(("event: " + type + "\ndata: ").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(data);
    out.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private void writeHeaders(int status, String contentType) {
    response.setStatus(status);
    var headers = response.getHeaders();
    headers.put(HttpHeader.CONTENT_TYPE, contentType);
    headers.put("request-id", requestId);
    headers.put("anthropic-organization-id", "00000000-0000-4000-8000-000000000000");
  }

  private void cut() {
    // A FIN after what was written, not a reset: a reset can make the client's kernel drop the
    // events already sent, and the cut must come after them.
    var endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    endPoint.shutdownOutput();
    endPoint.close();
    callback.failed(new EofException("answer cut by the fake, as asked"));
  }
}
