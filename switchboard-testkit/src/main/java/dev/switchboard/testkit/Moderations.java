package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * {@code POST /v1/moderations}: nothing is ever flagged; one result per input
 * (https://platform.openai.com/docs/api-reference/moderations).
 */
final class Moderations {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final List<String> CATEGORIES =
      List.of(
          "harassment",
          "harassment/threatening",
          "hate",
          "hate/threatening",
          "illicit",
          "illicit/violent",
          "self-harm",
          "self-harm/intent",
          "self-harm/instructions",
          "sexual",
          "sexual/minors",
          "violence",
          "violence/graphic");

  Reply answer(ObjectNode request) {
    JsonNode input = request.get("input");
    if (input == null || input.isNull()) {
      throw ApiError.missingParameter("input").rejection();
    }
    ObjectNode response = NODES.objectNode().put("id", OpenAiIds.moderation());
    response.put("model", request.path("model").asText("omni-moderation-latest"));
    // An array of strings is several inputs; an array of text and image parts is one.
    int inputs = input.isArray() && input.path(0).isTextual() ? input.size() : 1;
    ArrayNode results = response.putArray("results");
    for (int i = 0; i < inputs; i++) {
      ObjectNode result = results.addObject().put("flagged", false);
      ObjectNode categories = result.putObject("categories");
      ObjectNode scores = result.putObject("category_scores");
      ObjectNode inputTypes = result.putObject("category_applied_input_types");
      for (String category : CATEGORIES) {
        categories.put(category, false);
        scores.put(category, 0.00001);
        inputTypes.putArray(category).add("text");
      }
    }
    return Reply.Json.ok(response);
  }
}
