package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/completions}, the legacy endpoint: one choice per prompt (and per {@code n}),
 * each saying {@code Hello from the fake OpenAI. You said: <prompt>}, cut to {@code max_tokens} (16
 * unless given, as OpenAI defaults it) with {@code finish_reason: "length"}
 * (https://platform.openai.com/docs/api-reference/completions).
 */
final class TextCompletions {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int DEFAULT_MAX_TOKENS = 16;

  private final Clock clock;

  TextCompletions(Clock clock) {
    this.clock = clock;
  }

  private record Choice(int index, String text, String finishReason) {}

  Reply answer(ObjectNode request) {
    List<String> prompts = prompts(request.path("prompt"));
    int n = request.path("n").asInt(1);
    if (n < 1) {
      throw ApiError.belowMinimum("n", request.get("n"), 1).rejection();
    }
    int maxTokens = request.path("max_tokens").asInt(DEFAULT_MAX_TOKENS);
    List<Choice> choices = new ArrayList<>();
    int promptTokens = 0;
    int completionTokens = 0;
    for (String prompt : prompts) {
      promptTokens += WordTokens.count(prompt);
      String text = "Hello from the fake OpenAI. You said: " + prompt;
      boolean cut = WordTokens.count(text) > maxTokens;
      String answer = cut ? WordTokens.truncate(text, maxTokens) : text;
      for (int i = 0; i < n; i++) {
        choices.add(new Choice(choices.size(), answer, cut ? "length" : "stop"));
        completionTokens += WordTokens.count(answer);
      }
    }
    Usage usage = new Usage(promptTokens, completionTokens);
    String id = OpenAiIds.completion();
    long created = clock.instant().getEpochSecond();
    String model = request.get("model").asText();
    if (request.path("stream").asBoolean(false)) {
      boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);
      return new Reply.EventStream(
          chunks(id, created, model, choices, includeUsage ? usage : null));
    }
    ObjectNode completion = start(id, created);
    completion.put("model", model);
    completion.put("system_fingerprint", OpenAiIds.SYSTEM_FINGERPRINT);
    ArrayNode array = completion.putArray("choices");
    for (Choice choice : choices) {
      array.add(choice(choice.text(), choice.index(), choice.finishReason()));
    }
    completion.set("usage", usage.completionJson());
    return Reply.Json.ok(completion);
  }

  /** A string, strings, a token array or token arrays; OpenAI defaults it to its end token. */
  private static List<String> prompts(JsonNode prompt) {
    if (prompt.isMissingNode() || prompt.isNull()) {
      return List.of("<|endoftext|>");
    }
    if (prompt.isTextual()) {
      return List.of(prompt.asText());
    }
    if (!prompt.isArray() || prompt.isEmpty()) {
      throw ApiError.invalidType("prompt", "a string or an array", prompt).rejection();
    }
    if (prompt.get(0).isNumber()) {
      return List.of(tokensAsText(prompt));
    }
    List<String> prompts = new ArrayList<>();
    for (JsonNode item : prompt) {
      prompts.add(item.isArray() ? tokensAsText(item) : item.asText());
    }
    return prompts;
  }

  private static String tokensAsText(JsonNode tokens) {
    List<String> words = new ArrayList<>();
    tokens.forEach(token -> words.add(token.asText()));
    return String.join(" ", words);
  }

  /**
   * Each chunk is a whole completion object with one piece of one choice; the last piece of a
   * choice carries its finish reason.
   */
  private static List<JsonNode> chunks(
      String id, long created, String model, List<Choice> choices, Usage usage) {
    List<JsonNode> chunks = new ArrayList<>();
    for (Choice choice : choices) {
      List<String> pieces = WordTokens.pieces(choice.text());
      for (int i = 0; i < pieces.size(); i++) {
        String finish = i == pieces.size() - 1 ? choice.finishReason() : null;
        ObjectNode chunk = start(id, created);
        chunk.putArray("choices").add(choice(pieces.get(i), choice.index(), finish));
        chunk.put("model", model);
        chunk.put("system_fingerprint", OpenAiIds.SYSTEM_FINGERPRINT);
        chunks.add(chunk);
      }
    }
    if (usage != null) {
      ObjectNode last = start(id, created);
      last.putArray("choices");
      last.put("model", model);
      last.put("system_fingerprint", OpenAiIds.SYSTEM_FINGERPRINT);
      last.set("usage", usage.completionJson());
      chunks.add(last);
    }
    return chunks;
  }

  private static ObjectNode start(String id, long created) {
    return NODES
        .objectNode()
        .put("id", id)
        .put("object", "text_completion")
        .put("created", created);
  }

  private static ObjectNode choice(String text, int index, String finishReason) {
    ObjectNode choice = NODES.objectNode().put("text", text).put("index", index);
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason);
    return choice;
  }
}
