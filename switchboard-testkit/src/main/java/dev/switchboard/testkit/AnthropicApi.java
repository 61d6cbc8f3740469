package dev.switchboard.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Anthropic's Messages API as the fake serves it (https://docs.anthropic.com/en/api/messages):
 * authentication, request validation, and the answer, from a recorded request to a reply. It knows
 * nothing of HTTP connections or faults in delivery.
 */
final class AnthropicApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> IMAGE_TYPES =
      Set.of("image/jpeg", "image/png", "image/gif", "image/webp");
  private static final String ALPHANUMERIC =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ConcurrentLinkedQueue<AnthropicReply> scripted = new ConcurrentLinkedQueue<>();
  private volatile String requiredApiKey;

  void requireApiKey(String key) {
    this.requiredApiKey = key;
  }

  void enqueue(AnthropicReply reply) {
    scripted.add(reply);
  }

  /** A request id as Anthropic's {@code request-id} header carries it. */
  static String requestId() {
    return "req_" + random(24);
  }

  static String messageId() {
    return "msg_" + random(24);
  }

  private static String random(int length) {
    StringBuilder id = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      id.append(ALPHANUMERIC.charAt(RANDOM.nextInt(ALPHANUMERIC.length())));
    }
    return id.toString();
  }

  /**
   * The reply to {@code request}: authentication first, then {@code forced}'s error when not {@code
   * null}, otherwise the endpoint's answer (a scripted reply when one is queued).
   */
  Reply answer(RecordedRequest request, Fault.Status forced, String requestId) {
    String key = request.header("x-api-key");
    if (key == null || key.isEmpty()) {
      return new AnthropicError(401, "authentication_error", "x-api-key header is required")
          .reply(requestId, Map.of());
    }
    String required = requiredApiKey;
    if (required != null && !required.equals(key)) {
      return AnthropicError.forStatus(401).reply(requestId, Map.of());
    }
    if (forced != null) {
      return AnthropicError.forStatus(forced.status()).reply(requestId, forced.headers());
    }
    try {
      if (request.header("anthropic-version") == null) {
        throw AnthropicError.reject("anthropic-version: header is required");
      }
      boolean post = request.method().equals("POST");
      return switch (request.path()) {
        case "/v1/messages" -> post ? messages(body(request)) : notFound();
        case "/v1/messages/count_tokens" -> post ? countTokens(body(request)) : notFound();
        default -> notFound();
      };
    } catch (AnthropicError.Rejection rejection) {
      return rejection.error().reply(requestId, Map.of());
    }
  }

  /**
   * Anthropic's Messages API as Vertex AI serves it for Claude models
   * (https://docs.anthropic.com/en/api/claude-on-vertex-ai): {@code rawPredict} and {@code
   * streamRawPredict} on the model's URL, the body without {@code model} (it is in the URL) and
   * with {@code anthropic_version} {@code vertex-2023-10-16}; the answer as Anthropic's.
   */
  Reply vertexRawPredict(
      RecordedRequest request, String model, boolean streamEndpoint, String requestId) {
    try {
      ObjectNode body = body(request);
      if (body.has("model")) {
        throw AnthropicError.reject("model: Extra inputs are not permitted");
      }
      if (!"vertex-2023-10-16".equals(body.path("anthropic_version").asText())) {
        throw AnthropicError.reject("anthropic_version: Input should be 'vertex-2023-10-16'");
      }
      if (body.path("stream").asBoolean(false) != streamEndpoint) {
        throw AnthropicError.reject(
            streamEndpoint
                ? "stream: streamRawPredict streams: the body needs \"stream\": true"
                : "stream: rawPredict does not stream: use streamRawPredict");
      }
      ObjectNode messages = body.deepCopy();
      messages.remove("anthropic_version");
      messages.put("model", model);
      return messages(messages);
    } catch (AnthropicError.Rejection rejection) {
      return rejection.error().reply(requestId, Map.of());
    }
  }

  private static Reply notFound() {
    return new AnthropicError(404, "not_found_error", "Not Found").reply(requestId(), Map.of());
  }

  private static ObjectNode body(RecordedRequest request) {
    JsonNode body;
    try {
      body = JSON.readTree(request.body());
    } catch (JsonProcessingException e) {
      throw AnthropicError.reject("There was an error parsing the body of your request.");
    }
    if (body == null || !body.isObject()) {
      throw AnthropicError.reject("Request body must be a JSON object.");
    }
    return (ObjectNode) body;
  }

  private Reply messages(ObjectNode request) {
    validate(request, true);
    AnthropicReply reply = scripted.poll();
    ObjectNode message = reply != null ? scriptedMessage(request, reply) : defaultMessage(request);
    if (request.path("stream").asBoolean(false)) {
      return new Reply.EventStream(AnthropicEvents.of(message));
    }
    return Reply.Json.ok(message);
  }

  private static Reply countTokens(ObjectNode request) {
    validate(request, false);
    return Reply.Json.ok(JSON.createObjectNode().put("input_tokens", inputTokens(request)));
  }

  // ---- validation, with Anthropic's wording where it is known ----

  private static void validate(ObjectNode request, boolean messagesEndpoint) {
    JsonNode model = request.get("model");
    if (model == null || !model.isTextual() || model.asText().isEmpty()) {
      throw AnthropicError.reject("model: Field required");
    }
    if (messagesEndpoint) {
      JsonNode maxTokens = request.get("max_tokens");
      if (maxTokens == null || maxTokens.isNull()) {
        throw AnthropicError.reject("max_tokens: Field required");
      }
      if (!maxTokens.isIntegralNumber()) {
        throw AnthropicError.reject("max_tokens: Input should be a valid integer");
      }
      if (maxTokens.asLong() < 1) {
        throw AnthropicError.reject("max_tokens: Input should be greater than or equal to 1");
      }
    }
    JsonNode temperature = request.get("temperature");
    if (temperature != null && (temperature.asDouble() < 0 || temperature.asDouble() > 1)) {
      throw AnthropicError.reject("temperature: Input should be less than or equal to 1");
    }
    JsonNode stops = request.get("stop_sequences");
    if (stops != null && !stops.isArray()) {
      throw AnthropicError.reject("stop_sequences: Input should be a valid list");
    }
    JsonNode metadata = request.get("metadata");
    if (metadata != null && metadata.has("user_id") && !metadata.get("user_id").isTextual()) {
      throw AnthropicError.reject("metadata.user_id: Input should be a valid string");
    }
    validateSystem(request.get("system"));
    List<String> toolNames = validateTools(request.get("tools"));
    validateToolChoice(request.get("tool_choice"), toolNames);
    validateMessages(request.get("messages"));
  }

  private static void validateSystem(JsonNode system) {
    if (system == null || system.isTextual()) {
      return;
    }
    if (!system.isArray()) {
      throw AnthropicError.reject("system: Input should be a valid string");
    }
    for (int i = 0; i < system.size(); i++) {
      JsonNode block = system.get(i);
      if (!"text".equals(block.path("type").asText()) || !block.path("text").isTextual()) {
        throw AnthropicError.reject("system." + i + ": Input should be a text block");
      }
    }
  }

  private static List<String> validateTools(JsonNode tools) {
    List<String> names = new ArrayList<>();
    if (tools == null) {
      return names;
    }
    if (!tools.isArray()) {
      throw AnthropicError.reject("tools: Input should be a valid list");
    }
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      String name = tool.path("name").asText("");
      if (!name.matches("[a-zA-Z0-9_-]{1,128}")) {
        throw AnthropicError.reject(
            "tools." + i + ".custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'");
      }
      if (!tool.has("type") || "custom".equals(tool.path("type").asText())) {
        JsonNode schema = tool.get("input_schema");
        if (schema == null) {
          throw AnthropicError.reject("tools." + i + ".custom.input_schema: Field required");
        }
        if (!"object".equals(schema.path("type").asText())) {
          throw AnthropicError.reject(
              "tools." + i + ".custom.input_schema.type: Input should be 'object'");
        }
      }
      if (names.contains(name)) {
        throw AnthropicError.reject("tools: Tool names must be unique.");
      }
      names.add(name);
    }
    return names;
  }

  private static void validateToolChoice(JsonNode choice, List<String> toolNames) {
    if (choice == null) {
      return;
    }
    String type = choice.path("type").asText("");
    switch (type) {
      case "auto", "any", "none" -> {}
      case "tool" -> {
        if (!choice.path("name").isTextual()) {
          throw AnthropicError.reject("tool_choice.tool.name: Field required");
        }
        if (!toolNames.contains(choice.get("name").asText())) {
          throw AnthropicError.reject(
              "Tool '" + choice.get("name").asText() + "' not found in provided tools");
        }
      }
      default ->
          throw AnthropicError.reject(
              "tool_choice: Input tag '"
                  + type
                  + "' found using 'type' does not match any of the expected tags: 'auto', 'any',"
                  + " 'tool', 'none'");
    }
  }

  /**
   * Roles, content blocks, and tool pairing. Consecutive turns of one role are combined into one,
   * as the API reference says; then every {@code tool_use} needs its {@code tool_result} in the
   * next turn, and every {@code tool_result} a {@code tool_use} in the turn before.
   */
  private static void validateMessages(JsonNode messages) {
    if (messages == null || messages.isNull()) {
      throw AnthropicError.reject("messages: Field required");
    }
    if (!messages.isArray()) {
      throw AnthropicError.reject("messages: Input should be a valid list");
    }
    if (messages.isEmpty()) {
      throw AnthropicError.reject("messages: at least one message is required");
    }
    List<String> roles = new ArrayList<>();
    List<List<JsonNode>> turns = new ArrayList<>();
    List<Integer> firstIndex = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String role = message.path("role").asText("");
      if (role.equals("system")) {
        throw AnthropicError.reject(
            "messages: Unexpected role \"system\". The Messages API accepts a top-level `system`"
                + " parameter, not \"system\" as an input message role.");
      }
      if (!role.equals("user") && !role.equals("assistant")) {
        throw AnthropicError.reject(
            "messages." + i + ".role: Input should be 'user' or 'assistant'");
      }
      List<JsonNode> blocks = blocks(message.get("content"), "messages." + i + ".content", role);
      if (!roles.isEmpty() && roles.getLast().equals(role)) {
        turns.getLast().addAll(blocks);
      } else {
        roles.add(role);
        turns.add(new ArrayList<>(blocks));
        firstIndex.add(i);
      }
    }
    for (int t = 0; t < turns.size(); t++) {
      Set<String> used = new LinkedHashSet<>();
      if (roles.get(t).equals("assistant")) {
        turns.get(t).stream()
            .filter(b -> b.path("type").asText().equals("tool_use"))
            .forEach(b -> used.add(b.path("id").asText()));
      }
      Set<String> answered = new LinkedHashSet<>();
      if (t + 1 < turns.size()) {
        turns.get(t + 1).stream()
            .filter(b -> b.path("type").asText().equals("tool_result"))
            .forEach(b -> answered.add(b.path("tool_use_id").asText()));
      }
      Set<String> unanswered = new LinkedHashSet<>(used);
      unanswered.removeAll(answered);
      if (!unanswered.isEmpty() && t + 1 < turns.size()) {
        throw AnthropicError.reject(
            "messages."
                + firstIndex.get(t + 1)
                + ": `tool_use` ids were found without `tool_result` blocks immediately after: "
                + String.join(", ", unanswered)
                + ". Each `tool_use` block must have a corresponding `tool_result` block in the"
                + " next message.");
      }
      if (roles.get(t).equals("user")) {
        Set<String> previous = new LinkedHashSet<>();
        if (t > 0) {
          turns.get(t - 1).stream()
              .filter(b -> b.path("type").asText().equals("tool_use"))
              .forEach(b -> previous.add(b.path("id").asText()));
        }
        for (JsonNode block : turns.get(t)) {
          if (block.path("type").asText().equals("tool_result")
              && !previous.contains(block.path("tool_use_id").asText())) {
            throw AnthropicError.reject(
                "messages."
                    + firstIndex.get(t)
                    + ": unexpected `tool_use_id` found in `tool_result` blocks: "
                    + block.path("tool_use_id").asText()
                    + ". Each `tool_result` block must have a corresponding `tool_use` block in"
                    + " the previous message.");
          }
        }
      }
    }
  }

  /** A message's content as blocks (a string is one text block), each checked. */
  private static List<JsonNode> blocks(JsonNode content, String path, String role) {
    List<JsonNode> blocks = new ArrayList<>();
    if (content == null) {
      throw AnthropicError.reject(path + ": Field required");
    }
    if (content.isTextual()) {
      blocks.add(JSON.createObjectNode().put("type", "text").put("text", content.asText()));
      return blocks;
    }
    if (!content.isArray()) {
      throw AnthropicError.reject(path + ": Input should be a valid list");
    }
    for (int j = 0; j < content.size(); j++) {
      JsonNode block = content.get(j);
      String at = path + "." + j;
      String type = block.path("type").asText("");
      switch (type) {
        case "text" -> {
          if (!block.path("text").isTextual()) {
            throw AnthropicError.reject(at + ".text.text: Field required");
          }
        }
        case "image", "document" -> validateSource(block.path("source"), at + "." + type, type);
        case "tool_use" -> {
          if (!role.equals("assistant")) {
            throw AnthropicError.reject(
                at + ": tool_use blocks are only allowed in assistant turns");
          }
          if (!block.path("id").isTextual() || !block.path("name").isTextual()) {
            throw AnthropicError.reject(at + ".tool_use.id: Field required");
          }
          if (!block.path("input").isObject()) {
            throw AnthropicError.reject(at + ".tool_use.input: Input should be a valid dictionary");
          }
        }
        case "tool_result" -> {
          if (!role.equals("user")) {
            throw AnthropicError.reject(at + ": tool_result blocks are only allowed in user turns");
          }
          if (!block.path("tool_use_id").isTextual()) {
            throw AnthropicError.reject(at + ".tool_result.tool_use_id: Field required");
          }
          JsonNode result = block.get("content");
          if (result != null && !result.isTextual() && !result.isArray()) {
            throw AnthropicError.reject(at + ".tool_result.content: Input should be a valid list");
          }
        }
        case "thinking" -> {
          if (!block.path("thinking").isTextual() || !block.path("signature").isTextual()) {
            throw AnthropicError.reject(at + ".thinking.signature: Field required");
          }
        }
        case "redacted_thinking" -> {}
        default ->
            throw AnthropicError.reject(
                at
                    + ": Input tag '"
                    + type
                    + "' found using 'type' does not match any of the expected tags");
      }
      blocks.add(block);
    }
    return blocks;
  }

  private static void validateSource(JsonNode source, String at, String type) {
    switch (source.path("type").asText("")) {
      case "base64" -> {
        String mediaType = source.path("media_type").asText("");
        boolean known =
            type.equals("image")
                ? IMAGE_TYPES.contains(mediaType)
                : mediaType.equals("application/pdf");
        if (!known) {
          throw AnthropicError.reject(at + ".source.base64.media_type: Input should be valid");
        }
        if (!source.path("data").isTextual() || source.path("data").asText().isEmpty()) {
          throw AnthropicError.reject(at + ".source.base64.data: Field required");
        }
      }
      case "url" -> {
        if (!source.path("url").isTextual()) {
          throw AnthropicError.reject(at + ".source.url.url: Field required");
        }
      }
      case "text" -> {}
      default -> throw AnthropicError.reject(at + ".source: Field required");
    }
  }

  // ---- answers ----

  /**
   * {@code Hello from the fake Anthropic. You said: <last user text>}, or, after tool results,
   * {@code Tool results: <results>}; cut at a stop sequence or at {@code max_tokens} words.
   */
  private static ObjectNode defaultMessage(ObjectNode request) {
    String text = "Hello from the fake Anthropic. You said: " + lastUserText(request);
    List<String> results = lastToolResults(request);
    if (!results.isEmpty()) {
      text = "Tool results: " + String.join("; ", results);
    }
    String stopReason = "end_turn";
    String stopSequence = null;
    for (JsonNode stop : request.path("stop_sequences")) {
      int at = text.indexOf(stop.asText());
      if (!stop.asText().isEmpty() && at >= 0) {
        text = text.substring(0, at);
        stopReason = "stop_sequence";
        stopSequence = stop.asText();
        break;
      }
    }
    int maxTokens = request.path("max_tokens").asInt(Integer.MAX_VALUE);
    if (WordTokens.count(text) > maxTokens) {
      text = WordTokens.truncate(text, maxTokens);
      stopReason = "max_tokens";
      stopSequence = null;
    }
    ArrayNode content = JSON.createArrayNode();
    content.addObject().put("type", "text").put("text", text);
    return message(request, content, stopReason, stopSequence, null, null, 0, 0);
  }

  private static ObjectNode scriptedMessage(ObjectNode request, AnthropicReply reply) {
    ArrayNode content = JSON.createArrayNode();
    reply.content().forEach(content::add);
    return message(
        request,
        content,
        reply.stopReason(),
        null,
        reply.inputTokens(),
        reply.outputTokens(),
        reply.cacheReadInputTokens(),
        reply.cacheCreationInputTokens());
  }

  private static ObjectNode message(
      ObjectNode request,
      ArrayNode content,
      String stopReason,
      String stopSequence,
      Integer inputTokens,
      Integer outputTokens,
      int cacheRead,
      int cacheCreation) {
    ObjectNode message = JSON.createObjectNode();
    message.put("id", messageId());
    message.put("type", "message");
    message.put("role", "assistant");
    message.put("model", request.path("model").asText());
    message.set("content", content);
    message.put("stop_reason", stopReason);
    message.put("stop_sequence", stopSequence);
    ObjectNode usage = message.putObject("usage");
    usage.put("input_tokens", inputTokens != null ? inputTokens : inputTokens(request));
    usage.put("cache_creation_input_tokens", cacheCreation);
    usage.put("cache_read_input_tokens", cacheRead);
    usage.put("output_tokens", outputTokens != null ? outputTokens : outputTokens(content));
    usage.put("service_tier", "standard");
    return message;
  }

  /** Words of the system prompt, the messages' text and tool definitions. */
  private static int inputTokens(ObjectNode request) {
    StringBuilder text = new StringBuilder();
    collectText(request.path("system"), text);
    collectText(request.path("messages"), text);
    request.path("tools").forEach(tool -> text.append(' ').append(tool.toString()));
    return Math.max(1, WordTokens.count(text.toString()));
  }

  /** The words a model reads: strings, and the text, content, thinking and input of blocks. */
  private static void collectText(JsonNode node, StringBuilder text) {
    if (node.isTextual()) {
      text.append(' ').append(node.asText());
    } else if (node.isArray()) {
      node.forEach(element -> collectText(element, text));
    } else if (node.isObject()) {
      for (String field : new String[] {"text", "content", "thinking"}) {
        collectText(node.path(field), text);
      }
      if (node.has("input")) {
        text.append(' ').append(node.get("input").toString());
      }
    }
  }

  private static int outputTokens(ArrayNode content) {
    int tokens = 0;
    for (JsonNode block : content) {
      tokens +=
          switch (block.path("type").asText()) {
            case "text" -> WordTokens.count(block.path("text").asText());
            case "thinking" -> WordTokens.count(block.path("thinking").asText());
            case "tool_use" -> WordTokens.count(block.path("input").toString()) + 1;
            default -> 0;
          };
    }
    return Math.max(1, tokens);
  }

  private static String lastUserText(ObjectNode request) {
    JsonNode messages = request.path("messages");
    for (int i = messages.size() - 1; i >= 0; i--) {
      JsonNode message = messages.get(i);
      if (message.path("role").asText().equals("user")) {
        JsonNode content = message.path("content");
        if (content.isTextual()) {
          return content.asText();
        }
        List<String> texts = new ArrayList<>();
        content.forEach(block -> {
          if (block.path("type").asText().equals("text")) {
            texts.add(block.path("text").asText());
          }
        });
        return String.join(" ", texts);
      }
    }
    return "";
  }

  private static List<String> lastToolResults(ObjectNode request) {
    JsonNode messages = request.path("messages");
    List<String> results = new ArrayList<>();
    if (messages.isEmpty()) {
      return results;
    }
    JsonNode last = messages.get(messages.size() - 1);
    for (JsonNode block : last.path("content")) {
      if (block.path("type").asText().equals("tool_result")) {
        JsonNode content = block.path("content");
        if (content.isTextual()) {
          results.add(content.asText());
        } else {
          List<String> texts = new ArrayList<>();
          content.forEach(part -> texts.add(part.path("text").asText()));
          results.add(String.join(" ", texts));
        }
      }
    }
    return results;
  }
}
