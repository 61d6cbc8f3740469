package dev.switchboard.engine.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import software.amazon.eventstream.Message;

/**
 * Anthropic's stream events out of an InvokeModelWithResponseStream body
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html):
 * each {@code chunk} frame's payload is {@code {"bytes": "<base64>"}}, the bytes one Anthropic
 * event as JSON. An exception frame is Bedrock's error, mapped as every Bedrock error is. The
 * {@code model} of {@code message_start} is the one the client sent, as in the whole answer.
 */
final class InvokeModelEventSource implements TranslatedStream.EventSource<SseEvent> {
  private final EventStreamReader frames;
  private final String clientModel;

  InvokeModelEventSource(UpstreamResponse response, String clientModel) {
    this.frames = new EventStreamReader(response);
    this.clientModel = clientModel;
  }

  @Override
  public SseEvent next() {
    for (Message frame = frames.next(); frame != null; frame = frames.next()) {
      var headers = frame.getHeaders();
      String messageType = ConverseStreamTranslator.string(headers, ":message-type");
      if ("exception".equals(messageType)) {
        throw BedrockErrors.fromStreamException(
            ConverseStreamTranslator.string(headers, ":exception-type"), frame.getPayload());
      }
      if ("error".equals(messageType)) {
        String message = ConverseStreamTranslator.string(headers, ":error-message");
        throw BedrockErrors.fromStreamException(
            ConverseStreamTranslator.string(headers, ":error-code"),
            WireJson.write(Map.of("message", message == null ? "" : message)));
      }
      if ("chunk".equals(ConverseStreamTranslator.string(headers, ":event-type"))) {
        return event(frame.getPayload());
      }
      // Another event type (none is documented today) carries no Anthropic event.
    }
    return null;
  }

  private SseEvent event(byte[] payload) {
    String json;
    try {
      JsonNode chunk = BedrockJson.parse(payload);
      json =
          new String(
              Base64.getDecoder().decode(chunk.path("bytes").asText("")), StandardCharsets.UTF_8);
    } catch (WireFormatException | IllegalArgumentException e) {
      throw new UpstreamFailureException(
          BedrockProvider.NAME,
          "The provider sent a chunk that is not base64-encoded JSON bytes.",
          true,
          e);
    }
    if (json.contains("\"message_start\"")) {
      json = withClientModel(json);
    }
    return new SseEvent(null, json, null);
  }

  /** A {@code message_start} event with the client's model; another event as it is. */
  private String withClientModel(String json) {
    JsonNode event;
    try {
      event = WireJson.tree(json);
    } catch (WireFormatException notJson) {
      return json; // the stream reports it
    }
    if (event != null
        && event.path("type").asText("").equals("message_start")
        && event.path("message") instanceof ObjectNode message) {
      message.put("model", clientModel);
      return WireJson.writeString(event);
    }
    return json;
  }
}
