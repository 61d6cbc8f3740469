package dev.switchboard.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Cohere's v2 API as the fake serves it (https://docs.cohere.com/reference/chat,
 * https://docs.cohere.com/reference/embed, https://docs.cohere.com/reference/list-models):
 * authentication, validation and answers, from a recorded request to a reply.
 */
final class CohereApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int PIECE = 8;

  /** The tokens Cohere counts for its own preamble, on top of the prompt's words. */
  private static final int PREAMBLE_TOKENS = 64;

  /** Every top-level field v2 chat takes; it refuses others. */
  private static final Set<String> CHAT_FIELDS =
      Set.of(
          "model",
          "messages",
          "stream",
          "tools",
          "strict_tools",
          "documents",
          "citation_options",
          "response_format",
          "safety_mode",
          "max_tokens",
          "stop_sequences",
          "temperature",
          "seed",
          "frequency_penalty",
          "presence_penalty",
          "k",
          "p",
          "logprobs",
          "tool_choice",
          "thinking",
          "priority");

  private static final Set<String> EMBED_FIELDS =
      Set.of(
          "model",
          "texts",
          "images",
          "inputs",
          "input_type",
          "embedding_types",
          "output_dimension",
          "truncate",
          "max_tokens",
          "priority");
  private static final Set<String> INPUT_TYPES =
      Set.of("search_document", "search_query", "classification", "clustering", "image");

  private final ConcurrentLinkedQueue<CohereReply> scripted = new ConcurrentLinkedQueue<>();
  private volatile String requiredKey;

  void requireApiKey(String key) {
    this.requiredKey = key;
  }

  void enqueue(CohereReply reply) {
    scripted.add(reply);
  }

  /** Cohere's error body: {@code {"message": …}}. */
  static Reply.Json error(int status, String message, Map<String, String> headers) {
    return new Reply.Json(status, NODES.objectNode().put("message", message), headers);
  }

  static Reply.Json forStatus(int status, Map<String, String> headers) {
    return switch (status) {
      case 400 -> error(400, "invalid request: the request was not valid", headers);
      case 401 -> error(401, "invalid api token", headers);
      case 402 -> error(402, "Please add or update your payment method to continue.", headers);
      case 404 -> error(404, "model not found", headers);
      case 429 ->
          error(
              429,
              "You are using a Trial key, which is limited to 20 API calls / minute. You can"
                  + " continue to use the Trial key for free or upgrade to a Production key with"
                  + " higher rate limits at 'https://dashboard.cohere.com/api-keys'.",
              headers);
      case 499 -> error(499, "request cancelled by user", headers);
      case 503 -> error(503, "service unavailable", headers);
      default ->
          status >= 500
              ? error(
                  status,
                  "internal server error, this has been reported to our developers. id "
                      + UUID.randomUUID(),
                  headers)
              : error(status, "request failed", headers);
    };
  }

  Reply answer(RecordedRequest request, Fault.Status forced) {
    String authorization = request.header("authorization");
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return error(401, "no api key supplied", Map.of());
    }
    String key = requiredKey;
    if (key != null && !authorization.equals("Bearer " + key)) {
      return error(401, "invalid api token", Map.of());
    }
    if (forced != null) {
      return forStatus(forced.status(), forced.headers());
    }
    String route = request.method() + " " + request.path();
    try {
      return switch (route) {
        case "POST /v2/chat" -> chat(body(request, CHAT_FIELDS));
        case "POST /v2/embed" -> embed(body(request, EMBED_FIELDS));
        case "GET /v1/models" -> Reply.Json.ok(models());
        default -> error(404, "Not Found", Map.of());
      };
    } catch (Invalid invalid) {
      return error(400, "invalid request: " + invalid.getMessage(), Map.of());
    }
  }

  /** A request Cohere refuses with 400 {@code invalid request: <message>}. */
  private static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  private static ObjectNode body(RecordedRequest request, Set<String> fields) {
    JsonNode body;
    try {
      body = JSON.readTree(request.body());
    } catch (JsonProcessingException e) {
      throw new Invalid("cannot parse the request body as JSON");
    }
    if (!(body instanceof ObjectNode object)) {
      throw new Invalid("the request body must be a JSON object");
    }
    for (String name : (Iterable<String>) object::fieldNames) {
      if (!fields.contains(name)) {
        throw new Invalid("unknown field: parameter '" + name + "' is not a valid field");
      }
    }
    if (!object.path("model").isTextual() || object.path("model").asText().isEmpty()) {
      throw new Invalid("model must be specified");
    }
    return object;
  }

  // --- chat
  // ---------------------------------------------------------------------------------------

  private Reply chat(ObjectNode request) {
    List<JsonNode> messages = validMessages(request.path("messages"));
    validTools(request);
    JsonNode choice = request.get("tool_choice");
    if (choice != null && !Set.of("REQUIRED", "NONE").contains(choice.asText())) {
      throw new Invalid("tool_choice must be one of REQUIRED, NONE");
    }
    JsonNode format = request.get("response_format");
    if (format != null && !Set.of("text", "json_object").contains(format.path("type").asText())) {
      throw new Invalid("response_format.type must be one of text, json_object");
    }
    CohereReply reply = scripted.poll();
    if (reply == null) {
      reply = CohereReply.text(defaultText(messages));
    }
    int promptTokens = messages.stream().mapToInt(m -> WordTokens.count(text(m))).sum();
    String finish;
    if (reply instanceof CohereReply.Text text
        && request.path("max_tokens").isIntegralNumber()
        && WordTokens.count(text.text()) > request.get("max_tokens").asInt()) {
      reply = CohereReply.text(WordTokens.truncate(text.text(), request.get("max_tokens").asInt()));
      finish = "MAX_TOKENS";
    } else {
      finish = reply instanceof CohereReply.ToolCalls ? "TOOL_CALL" : "COMPLETE";
    }
    int completionTokens =
        switch (reply) {
          case CohereReply.Text text -> WordTokens.count(text.text());
          case CohereReply.ToolCalls calls ->
              WordTokens.count(calls.toolPlan()) + calls.calls().size();
        };
    ObjectNode usage = usage(promptTokens, completionTokens);
    String id = UUID.randomUUID().toString();
    if (request.path("stream").asBoolean(false)) {
      return new Reply.EventStream(events(id, reply, finish, usage));
    }
    ObjectNode response = NODES.objectNode().put("id", id);
    response.set("message", message(reply));
    response.put("finish_reason", finish);
    response.set("usage", usage);
    return Reply.Json.ok(response);
  }

  private static List<JsonNode> validMessages(JsonNode messages) {
    if (!messages.isArray() || messages.isEmpty()) {
      throw new Invalid("messages must be a non-empty array");
    }
    Set<String> callIds = new HashSet<>();
    List<JsonNode> valid = new ArrayList<>();
    for (JsonNode message : messages) {
      String role = message.path("role").asText();
      switch (role) {
        case "system", "user" -> requireContent(message, role);
        case "assistant" -> {
          if (!message.has("content") && !message.has("tool_calls")) {
            throw new Invalid("assistant message must have content or tool_calls");
          }
          for (JsonNode call : message.path("tool_calls")) {
            if (!call.path("id").isTextual()
                || !call.path("type").asText().equals("function")
                || !call.at("/function/name").isTextual()
                || !call.at("/function/arguments").isTextual()) {
              throw new Invalid(
                  "tool_calls must have id, type function, and function.name and"
                      + " function.arguments strings");
            }
            callIds.add(call.get("id").asText());
          }
        }
        case "tool" -> {
          requireContent(message, role);
          String id = message.path("tool_call_id").asText(null);
          if (id == null || !callIds.contains(id)) {
            throw new Invalid(
                "tool call id " + id + " does not match any tool call in previous messages");
          }
        }
        default ->
            throw new Invalid(
                "message role must be one of system, user, assistant, tool; got '" + role + "'");
      }
      valid.add(message);
    }
    return valid;
  }

  private static void requireContent(JsonNode message, String role) {
    JsonNode content = message.get("content");
    if (content == null || !(content.isTextual() || content.isArray())) {
      throw new Invalid(role + " message content must be a string or an array of content items");
    }
    if (content.isArray()) {
      for (JsonNode item : content) {
        String type = item.path("type").asText();
        boolean known =
            type.equals("text") && item.path("text").isTextual()
                || type.equals("image_url") && item.at("/image_url/url").isTextual()
                || type.equals("document") && role.equals("tool");
        if (!known) {
          throw new Invalid("invalid content item of type '" + type + "'");
        }
      }
    }
  }

  private static void validTools(ObjectNode request) {
    for (JsonNode tool : request.path("tools")) {
      if (!tool.path("type").asText().equals("function")
          || !tool.at("/function/name").isTextual()) {
        throw new Invalid("tools must have type function and a function.name");
      }
    }
  }

  private static String defaultText(List<JsonNode> messages) {
    JsonNode last = messages.getLast();
    if (last.path("role").asText().equals("tool")) {
      List<String> results = new ArrayList<>();
      for (JsonNode message : messages.reversed()) {
        if (!message.path("role").asText().equals("tool")) {
          break;
        }
        results.addFirst(text(message));
      }
      return "Tool results: " + String.join("; ", results);
    }
    String said =
        messages.reversed().stream()
            .filter(m -> m.path("role").asText().equals("user"))
            .findFirst()
            .map(CohereApi::text)
            .orElse("");
    return "Hello from the fake Cohere. You said: " + said;
  }

  private static String text(JsonNode message) {
    JsonNode content = message.path("content");
    if (content.isTextual()) {
      return content.asText();
    }
    List<String> texts = new ArrayList<>();
    for (JsonNode item : content) {
      if (item.path("type").asText().equals("text")) {
        texts.add(item.path("text").asText());
      } else if (item.path("type").asText().equals("document")) {
        texts.add(item.at("/document/data").asText());
      }
    }
    return String.join(" ", texts);
  }

  /** {@code billed_units} counts the prompt's words; {@code tokens} adds Cohere's preamble. */
  private static ObjectNode usage(int promptTokens, int completionTokens) {
    ObjectNode usage = NODES.objectNode();
    usage
        .putObject("billed_units")
        .put("input_tokens", promptTokens)
        .put("output_tokens", completionTokens);
    usage
        .putObject("tokens")
        .put("input_tokens", promptTokens + PREAMBLE_TOKENS)
        .put("output_tokens", completionTokens);
    return usage;
  }

  private static ObjectNode message(CohereReply reply) {
    ObjectNode message = NODES.objectNode().put("role", "assistant");
    switch (reply) {
      case CohereReply.Text text ->
          message.putArray("content").addObject().put("type", "text").put("text", text.text());
      case CohereReply.ToolCalls calls -> {
        message.put("tool_plan", calls.toolPlan());
        ArrayNode toolCalls = message.putArray("tool_calls");
        for (CohereReply.ToolCall call : calls.calls()) {
          ObjectNode entry = toolCalls.addObject().put("id", call.id()).put("type", "function");
          entry.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        }
      }
    }
    return message;
  }

  /**
   * The events of a streamed answer, in Cohere's order (https://docs.cohere.com/docs/streaming):
   * {@code message-start}; for text {@code content-start}, {@code content-delta}s, {@code
   * content-end}; for tool calls {@code tool-plan-delta}s, then per call {@code tool-call-start},
   * {@code tool-call-delta}s, {@code tool-call-end}; {@code message-end} with the finish reason and
   * usage. Each event's {@code type} names its SSE event.
   */
  private static List<JsonNode> events(
      String id, CohereReply reply, String finish, ObjectNode usage) {
    List<JsonNode> events = new ArrayList<>();
    ObjectNode start = NODES.objectNode().put("id", id).put("type", "message-start");
    ObjectNode startMessage = start.putObject("delta").putObject("message");
    startMessage.put("role", "assistant");
    startMessage.putArray("content");
    startMessage.put("tool_plan", "");
    startMessage.putArray("tool_calls");
    startMessage.putArray("citations");
    events.add(start);
    switch (reply) {
      case CohereReply.Text text -> {
        ObjectNode contentStart = indexed("content-start", 0);
        contentStart
            .putObject("delta")
            .putObject("message")
            .putObject("content")
            .put("type", "text")
            .put("text", "");
        events.add(contentStart);
        for (String piece : WordTokens.pieces(text.text())) {
          ObjectNode delta = indexed("content-delta", 0);
          delta.putObject("delta").putObject("message").putObject("content").put("text", piece);
          events.add(delta);
        }
        events.add(indexed("content-end", 0));
      }
      case CohereReply.ToolCalls calls -> {
        for (String piece : WordTokens.pieces(calls.toolPlan())) {
          ObjectNode plan = NODES.objectNode().put("type", "tool-plan-delta");
          plan.putObject("delta").putObject("message").put("tool_plan", piece);
          events.add(plan);
        }
        int index = 0;
        for (CohereReply.ToolCall call : calls.calls()) {
          ObjectNode callStart = indexed("tool-call-start", index);
          ObjectNode opening =
              callStart.putObject("delta").putObject("message").putObject("tool_calls");
          opening.put("id", call.id()).put("type", "function");
          opening.putObject("function").put("name", call.name()).put("arguments", "");
          events.add(callStart);
          for (String piece : pieces(call.arguments())) {
            ObjectNode delta = indexed("tool-call-delta", index);
            delta
                .putObject("delta")
                .putObject("message")
                .putObject("tool_calls")
                .putObject("function")
                .put("arguments", piece);
            events.add(delta);
          }
          events.add(indexed("tool-call-end", index));
          index++;
        }
      }
    }
    ObjectNode end = NODES.objectNode().put("type", "message-end");
    ObjectNode endDelta = end.putObject("delta").put("finish_reason", finish);
    endDelta.set("usage", usage);
    events.add(end);
    return events;
  }

  private static ObjectNode indexed(String type, int index) {
    return NODES.objectNode().put("type", type).put("index", index);
  }

  private static List<String> pieces(String text) {
    List<String> pieces = new ArrayList<>();
    for (int start = 0; start < text.length(); start += PIECE) {
      pieces.add(text.substring(start, Math.min(text.length(), start + PIECE)));
    }
    return pieces;
  }

  // --- embed
  // --------------------------------------------------------------------------------------

  private static Reply embed(ObjectNode request) {
    JsonNode texts = request.path("texts");
    if (!texts.isArray() || texts.isEmpty()) {
      throw new Invalid("texts must be a non-empty array of strings");
    }
    if (!INPUT_TYPES.contains(request.path("input_type").asText())) {
      throw new Invalid("valid input_type must be provided with the provided model");
    }
    JsonNode types = request.path("embedding_types");
    if (!types.isMissingNode() && !(types.size() == 1 && types.get(0).asText().equals("float"))) {
      throw new Invalid("the fake serves embedding_types [\"float\"] only");
    }
    int dimensions = request.path("output_dimension").asInt(8);
    ObjectNode response = NODES.objectNode().put("id", UUID.randomUUID().toString());
    ArrayNode floats = response.putObject("embeddings").putArray("float");
    int tokens = 0;
    for (JsonNode text : texts) {
      floats.add(vector(text.asText(), dimensions));
      tokens += WordTokens.count(text.asText());
    }
    response.set("texts", texts);
    ObjectNode meta = response.putObject("meta");
    meta.putObject("api_version").put("version", "2");
    meta.putObject("billed_units").put("input_tokens", tokens);
    response.put("response_type", "embeddings_by_type");
    return Reply.Json.ok(response);
  }

  /** A deterministic vector from the text's SHA-256. */
  private static ArrayNode vector(String text, int dimensions) {
    byte[] digest;
    try {
      digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    ArrayNode vector = NODES.arrayNode();
    for (int i = 0; i < dimensions; i++) {
      vector.add((digest[i % digest.length] & 0xff) / 255.0f - 0.5f);
    }
    return vector;
  }

  private static ObjectNode models() {
    ObjectNode response = NODES.objectNode();
    ArrayNode models = response.putArray("models");
    for (String[] model :
        new String[][] {
          {"command-a-03-2025", "chat"}, {"command-r-plus-08-2024", "chat"}, {"embed-v4.0", "embed"}
        }) {
      ObjectNode entry = models.addObject().put("name", model[0]);
      entry.putArray("endpoints").add(model[1]);
      entry.put("finetuned", false);
      entry.put("context_length", 128000);
    }
    response.putNull("next_page_token");
    return response;
  }
}
