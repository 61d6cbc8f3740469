package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request being answered the way Bedrock frames it: its error answers ({@code {"message": …}}
 * with the error's name in {@code x-amzn-ErrorType}), JSON bodies, and {@code
 * application/vnd.amazon.eventstream} frames, with the request's {@link BedrockFault} applied to
 * the delivery.
 */
final class BedrockExchange extends Exchange {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpField EVENT_STREAM_TYPE =
      new PreEncodedHttpField(HttpHeader.CONTENT_TYPE, "application/vnd.amazon.eventstream");

  BedrockExchange(Request request, Response response, Callback callback, StreamCounters streams) {
    super(request, response, callback, streams);
  }

  @Override
  void addProviderHeaders(HttpFields.Mutable headers) {
    headers.put("x-amzn-RequestId", UUID.randomUUID().toString());
  }

  /** A Bedrock error answer for {@code errorType}, e.g. 429 {@code ThrottlingException}. */
  void sendError(int status, String errorType, String message) throws IOException {
    byte[] body =
        JSON.createObjectNode().put("message", message).toString().getBytes(StandardCharsets.UTF_8);
    writeHeaders(
        status,
        JSON_TYPE,
        Map.of(
            "x-amzn-ErrorType",
            errorType + ":http://internal.amazon.com/coral/com.amazon.bedrock/"));
    sendBody(body, false);
  }

  /**
   * A 200 JSON answer with {@code headers}, cut half-way for {@link BedrockFault.CutStreamAfter}.
   */
  void sendJson(Map<String, String> headers, JsonNode json, BedrockFault fault) throws IOException {
    byte[] body = JSON.writeValueAsBytes(json);
    writeHeaders(200, JSON_TYPE, headers);
    sendBody(body, fault instanceof BedrockFault.CutStreamAfter);
  }

  /**
   * A 200 event stream of {@code frames}: cut in the middle of a frame, ended by an exception
   * frame, or with a corrupt first frame, as {@code fault} asks.
   */
  void sendFrames(Map<String, String> headers, List<byte[]> frames, BedrockFault fault) {
    writeHeaders(200, EVENT_STREAM_TYPE, headers);
    stream(() -> {
      int sent = 0;
      for (byte[] frame : frames) {
        if (fault instanceof BedrockFault.CutStreamAfter cut && sent == cut.events()) {
          write(Arrays.copyOf(frame, frame.length / 2), false);
          cutConnection();
          return;
        }
        if (fault instanceof BedrockFault.StreamException exception && sent == exception.events()) {
          byte[] payload =
              JSON.createObjectNode()
                  .put("message", exception.message())
                  .toString()
                  .getBytes(StandardCharsets.UTF_8);
          write(EventStreamEncoder.exception(exception.exceptionType(), payload), true);
          succeeded();
          return;
        }
        byte[] out = frame;
        if (sent == 0 && fault instanceof BedrockFault.CorruptFrame) {
          out = frame.clone();
          out[out.length - 1] ^= 0x5a;
        }
        write(out, false);
        sent++;
      }
      write(new byte[0], true);
      succeeded();
    });
  }
}
