package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request being answered the way Azure OpenAI frames it: its headers, OpenAI's {@code data:}
 * events and {@code [DONE]}, and its in-band error event in Azure's shape.
 */
final class AzureExchange extends ReplyExchange {
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private final String requestId = java.util.UUID.randomUUID().toString();

  AzureExchange(Request request, Response response, Callback callback, StreamCounters streams) {
    super(request, response, callback, streams);
  }

  /** Headers Azure sends on every answer; the region and rate-limit figures are fixed. */
  @Override
  void addProviderHeaders(HttpFields.Mutable headers) {
    headers.put("apim-request-id", requestId);
    headers.put("x-request-id", requestId);
    headers.put("x-ms-region", "East US");
    headers.put("x-ratelimit-remaining-requests", "99");
    headers.put("x-ratelimit-remaining-tokens", "99000");
    headers.put("x-ms-client-request-id", "Not-Set");
  }

  @Override
  byte[] frame(JsonNode event, byte[] data) {
    byte[] framed = new byte[6 + data.length + 2];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, framed, 0, 6);
    System.arraycopy(data, 0, framed, 6, data.length);
    framed[framed.length - 2] = '\n';
    framed[framed.length - 1] = '\n';
    return framed;
  }

  /** Azure's error body as a {@code data:} event; the stream then ends without {@code [DONE]}. */
  @Override
  byte[] errorEvent(Fault.StreamError error) throws IOException {
    JsonNode body =
        AzureApi.error(
                error.status(),
                Integer.toString(error.status()),
                "Stream failed.",
                java.util.Map.of())
            .body();
    return frame(body, JSON.writeValueAsBytes(body));
  }

  @Override
  byte[] endOfStream() {
    return DONE;
  }

  /** Every JSON answer, an error too, turns into the stream error's status. */
  @Override
  boolean streamErrorReplaces(Reply.Json json) {
    return true;
  }
}
