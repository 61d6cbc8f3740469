package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request being answered the way Cohere frames it: its headers, and streams of {@code event:
 * <type>\ndata: <json>\n\n} events ending with {@code message-end}, with no terminator after it. A
 * stream that fails ends with a {@code message-end} whose {@code finish_reason} is {@code ERROR}.
 */
final class CohereExchange extends ReplyExchange {

  CohereExchange(Request request, Response response, Callback callback, StreamCounters streams) {
    super(request, response, callback, streams);
  }

  @Override
  void addProviderHeaders(HttpFields.Mutable headers) {
    headers.put("x-debug-trace-id", UUID.randomUUID().toString().replace("-", ""));
    headers.put("x-endpoint-monthly-call-limit", "1000");
  }

  @Override
  void addStreamHeaders(HttpFields.Mutable headers) {
    headers.put(HttpHeader.CACHE_CONTROL, "no-cache");
  }

  @Override
  byte[] frame(JsonNode event, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 32);
    out.writeBytes(
        ("event: " + event.path("type").asText() + "\ndata: ").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(data);
    out.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  @Override
  byte[] errorEvent(Fault.StreamError error) throws IOException {
    ObjectNode end = JsonNodeFactory.instance.objectNode().put("type", "message-end");
    end.putObject("delta")
        .put("finish_reason", "ERROR")
        .put("error", "internal server error (" + error.status() + ")");
    return frame(end, JSON.writeValueAsBytes(end));
  }

  @Override
  byte[] endOfStream() {
    return null;
  }

  /** Only a successful answer: an invalid request keeps its own error. */
  @Override
  boolean streamErrorReplaces(Reply.Json json) {
    return json.status() == 200;
  }
}
