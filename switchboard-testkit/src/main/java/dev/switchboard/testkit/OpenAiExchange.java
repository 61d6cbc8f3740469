package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request being answered the way OpenAI frames it: its headers, {@code data:} events and {@code
 * [DONE]} (https://platform.openai.com/docs/api-reference/chat-streaming), and its in-band error
 * event.
 */
final class OpenAiExchange extends ReplyExchange {
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

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

  private final long receivedNanos = System.nanoTime();
  private final boolean namedEvents;

  /**
   * @param namedEvents whether events are framed as the Responses API frames them ({@code event:
   *     <type>} before each {@code data:}, no {@code [DONE]};
   *     https://platform.openai.com/docs/api-reference/responses-streaming) rather than as chat
   *     completions'
   */
  OpenAiExchange(
      Request request,
      Response response,
      Callback callback,
      StreamCounters streams,
      boolean namedEvents) {
    super(request, response, callback, streams);
    this.namedEvents = namedEvents;
  }

  @Override
  void addProviderHeaders(HttpFields.Mutable headers) {
    headers.put("x-request-id", OpenAiIds.request());
    headers.put(
        "openai-processing-ms",
        Long.toString(Duration.ofNanos(System.nanoTime() - receivedNanos).toMillis()));
    headers.add(OPENAI_HEADERS);
  }

  @Override
  byte[] frame(JsonNode event, byte[] data) {
    if (namedEvents) {
      byte[] name =
          ("event: " + event.path("type").asText() + "\n").getBytes(StandardCharsets.UTF_8);
      byte[] unnamed = frameData(data);
      byte[] framed = new byte[name.length + unnamed.length];
      System.arraycopy(name, 0, framed, 0, name.length);
      System.arraycopy(unnamed, 0, framed, name.length, unnamed.length);
      return framed;
    }
    return frameData(data);
  }

  private static byte[] frameData(byte[] data) {
    byte[] framed = new byte[6 + data.length + 2];
    System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, framed, 0, 6);
    System.arraycopy(data, 0, framed, 6, data.length);
    framed[framed.length - 2] = '\n';
    framed[framed.length - 1] = '\n';
    return framed;
  }

  /**
   * OpenAI's error body as a {@code data:} event, the stream then ending without {@code [DONE]};
   * for the Responses API, its {@code error} event.
   */
  @Override
  byte[] errorEvent(Fault.StreamError error) throws IOException {
    JsonNode body = ApiError.forStatus(error.status(), "gpt-4o-mini", null).body();
    if (namedEvents) {
      JsonNode details = body.path("error");
      ObjectNode event =
          JSON.createObjectNode()
              .put("type", "error")
              .put("code", details.path("code").asText(null))
              .put("message", details.path("message").asText())
              .put("param", details.path("param").asText(null));
      return frame(event, JSON.writeValueAsBytes(event));
    }
    return frame(body, JSON.writeValueAsBytes(body));
  }

  @Override
  byte[] endOfStream() {
    return namedEvents ? null : DONE;
  }

  /** Every JSON answer, an error too, turns into the stream error's status. */
  @Override
  boolean streamErrorReplaces(Reply.Json json) {
    return true;
  }
}
