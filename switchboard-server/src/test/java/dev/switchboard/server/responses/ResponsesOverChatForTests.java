package dev.switchboard.server.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.pipeline.Attempt;
import dev.switchboard.engine.pipeline.AttemptStage;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.util.UUID;

/**
 * Stands in, in these tests only, for the Responses API's translation over chat completions that
 * the agent-API bridge is being given elsewhere: a Responses attempt proceeds as a chat completion
 * of its instructions and text messages, and the chat answer comes back as a {@code response}
 * object with one output message. Just what conversation state needs; installed as the attempt's
 * admission stage, so the provider fakes see real chat requests in their own formats.
 */
final class ResponsesOverChatForTests implements AttemptStage {
  private static final ObjectMapper JSON = WireJson.mapper();

  @Override
  public Outcome handle(Attempt attempt, Chain chain) {
    if (!(attempt.operation() instanceof Operation.Responses asked)) {
      return chain.proceed(attempt);
    }
    ObjectNode request = asked.request();
    ObjectNode chat = JSON.createObjectNode().put("model", request.path("model").asText());
    ArrayNode messages = chat.putArray("messages");
    if (request.hasNonNull("instructions")) {
      messages
          .addObject()
          .put("role", "system")
          .put("content", request.get("instructions").asText());
    }
    JsonNode input = request.path("input");
    if (input.isTextual()) {
      messages.addObject().put("role", "user").put("content", input.asText());
    } else {
      for (JsonNode item : input) {
        messages.addObject().put("role", item.path("role").asText()).put("content", text(item));
      }
    }
    Outcome answered =
        chain.proceed(
            attempt.withOperation(new Operation.Chat(WireJson.convert(chat, ChatRequest.class))));
    Outcome.Body body = (Outcome.Body) answered;
    JsonNode completion = JSON.valueToTree(body.body());
    ObjectNode response = JSON.createObjectNode();
    response.put("id", "resp_" + UUID.randomUUID().toString().replace("-", ""));
    response.put("object", "response");
    response.put("created_at", completion.path("created").asLong());
    response.put("status", "completed");
    response.put("model", completion.path("model").asText());
    response.set(
        "previous_response_id",
        request.path("previous_response_id").isMissingNode()
            ? JSON.nullNode()
            : request.get("previous_response_id"));
    ObjectNode message = response.putArray("output").addObject();
    message.put("type", "message");
    message.put("id", "msg_" + UUID.randomUUID().toString().replace("-", ""));
    message.put("status", "completed");
    message.put("role", "assistant");
    message
        .putArray("content")
        .addObject()
        .put("type", "output_text")
        .put("text", completion.at("/choices/0/message/content").asText())
        .putArray("annotations");
    return body.withBody(response);
  }

  /** A message item's text: its string content, or its text parts joined. */
  private static String text(JsonNode item) {
    JsonNode content = item.path("content");
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder text = new StringBuilder();
    content.forEach(part -> text.append(part.path("text").asText()));
    return text.toString();
  }
}
