package dev.switchboard.engine.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's Responses API ({@code POST /v1/responses}) over a provider's chat completions: the
 * request translated by {@link ResponsesRequest}, the answer made a {@code response} object ({@link
 * ResponsesObject}), a stream the Responses API's events ({@link ResponsesEventStream}). OpenAI and
 * Azure OpenAI serve the API themselves.
 */
final class ResponsesOverChat implements OverChat<Operation.Responses> {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String provider;
  private final Clock clock;

  /**
   * @param provider the attempt's provider, named in refusals
   */
  ResponsesOverChat(String provider, Clock clock) {
    this.provider = provider;
    this.clock = clock;
  }

  @Override
  public boolean servedNatively(Capabilities capabilities) {
    return capabilities.responses();
  }

  @Override
  public ChatRequest request(Operation.Responses asked) {
    return translated(asked).chat();
  }

  @Override
  public List<Map.Entry<String, String>> headers(Operation.Responses asked) {
    List<String> dropped = translated(asked).dropped();
    return dropped.isEmpty()
        ? List.of()
        : List.of(Map.entry(ResponsesRequest.DROPPED_HEADER, String.join(", ", dropped)));
  }

  private ResponsesRequest translated(Operation.Responses asked) {
    return ResponsesRequest.of(asked.request(), provider);
  }

  @Override
  public Object answer(ChatCompletion answer, Operation.Responses asked) {
    JsonNode chat = WireJson.mapper().valueToTree(answer);
    ResponsesObject response =
        new ResponsesObject(asked.request(), chat.path("created").asLong(clock.millis() / 1000));
    response.answeredBy(chat.path("model").asText(null));
    JsonNode choice = chat.path("choices").path(0);
    JsonNode message = choice.path("message");
    String finishReason = choice.path("finish_reason").asText(null);
    String status = ResponsesObject.status(finishReason);
    ArrayNode output = NODES.arrayNode();
    String reasoning = MessagesAnswer.reasoningOf(message);
    if (reasoning != null && !reasoning.isEmpty()) {
      output.add(ResponsesObject.reasoning(ResponsesObject.id("rs_"), reasoning));
    }
    ArrayNode content = NODES.arrayNode();
    if (message.path("content").isTextual() && !message.get("content").asText().isEmpty()) {
      content.add(ResponsesObject.part(false, message.get("content").asText()));
    }
    if (message.path("refusal").isTextual()) {
      content.add(ResponsesObject.part(true, message.get("refusal").asText()));
    }
    if (!content.isEmpty()) {
      output.add(ResponsesObject.message(ResponsesObject.id("msg_"), status, content));
    }
    var customTools = translated(asked).customTools();
    for (JsonNode call : message.path("tool_calls")) {
      String name = call.path("function").path("name").asText();
      boolean custom = customTools.contains(name);
      output.add(
          ResponsesObject.toolCall(
              custom,
              ResponsesObject.id(custom ? "ctc_" : "fc_"),
              "completed",
              call.path("id").asText(),
              name,
              call.path("function").path("arguments").asText("")));
    }
    return response.object(status, output, finishReason, ResponsesObject.usage(chat.get("usage")));
  }

  @Override
  public ResponseStream<SseEvent> stream(
      ResponseStream<ChatCompletionChunk> chunks, Operation.Responses asked) {
    ResponsesObject response = new ResponsesObject(asked.request(), clock.millis() / 1000);
    return new ResponsesEventStream(
        chunks, response, translated(asked).customTools(), headers(asked));
  }
}
