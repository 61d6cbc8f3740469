package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request being answered the way Anthropic frames it: its headers, and streams of {@code event:
 * <type>\ndata: <json>\n\n} events with no terminator after {@code message_stop}
 * (https://docs.anthropic.com/en/docs/build-with-claude/streaming), or its {@code error} event.
 */
final class AnthropicExchange extends ReplyExchange {
  private final String requestId;

  AnthropicExchange(
      Request request,
      Response response,
      Callback callback,
      StreamCounters streams,
      String requestId) {
    super(request, response, callback, streams);
    this.requestId = requestId;
  }

  @Override
  void addProviderHeaders(HttpFields.Mutable headers) {
    headers.put("request-id", requestId);
    headers.put("anthropic-organization-id", "00000000-0000-4000-8000-000000000000");
  }

  @Override
  void addStreamHeaders(HttpFields.Mutable headers) {
    headers.put(HttpHeader.CACHE_CONTROL, "no-cache");
  }

  @Override
  byte[] frame(JsonNode event, byte[] data) {
    return frame(event.path("type").asText(), data);
  }

  /** Anthropic's {@code error} event, after which the stream ends. */
  @Override
  byte[] errorEvent(Fault.StreamError error) throws IOException {
    return frame("error", JSON.writeValueAsBytes(AnthropicError.forStatus(error.status()).event()));
  }

  /** None: {@code message_stop}, the last event, ends the stream. */
  @Override
  byte[] endOfStream() {
    return null;
  }

  /** Only a successful answer: an invalid request keeps its own error. */
  @Override
  boolean streamErrorReplaces(Reply.Json json) {
    return json.status() == 200;
  }

  private static byte[] frame(String type, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + type.length() + 16);
    out.writeBytes(("event: " + type + "\ndata: ").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(data);
    out.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }
}
