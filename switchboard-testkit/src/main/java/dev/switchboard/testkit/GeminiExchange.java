package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request to a Google API answered: Google's headers, and its {@code alt=sse} framing, each
 * event a whole {@code GenerateContentResponse} as {@code data: <json>} followed by a blank line,
 * lines ending in CRLF as Google's servers end them, and nothing after the last event (no {@code
 * [DONE]}). An error in a stream is Google's error object as one more event.
 */
final class GeminiExchange extends ReplyExchange {
  GeminiExchange(Request request, Response response, Callback callback, StreamCounters streams) {
    super(request, response, callback, streams);
  }

  @Override
  void addProviderHeaders(HttpFields.Mutable headers) {
    headers.put("Vary", "Origin, X-Origin, Referer");
    headers.put("Server", "scaffolding on HTTPServer2");
    headers.put("X-Content-Type-Options", "nosniff");
  }

  @Override
  byte[] frame(JsonNode event, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 10);
    out.writeBytes("data: ".getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(data);
    out.writeBytes("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  @Override
  byte[] errorEvent(Fault.StreamError error) throws IOException {
    return frame(null, JSON.writeValueAsBytes(GoogleError.forStatus(error.status()).body()));
  }

  @Override
  byte[] endOfStream() {
    return null;
  }

  @Override
  boolean streamErrorReplaces(Reply.Json json) {
    return json.status() == 200;
  }
}
