package dev.switchboard.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Azure OpenAI's data plane as the fake serves it
 * (https://learn.microsoft.com/en-us/azure/ai-services/openai/reference): a deployment's paths, the
 * {@code api-version} query, {@code api-key} or Entra ID bearer authentication, Azure's error
 * bodies and its content filter annotations. The answers themselves are {@link OpenAiApi}'s, as
 * Azure's are OpenAI's models'.
 */
final class AzureApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern DEPLOYMENT_PATH =
      Pattern.compile("/openai/deployments/([^/]+)(/chat/completions|/completions|/embeddings)");
  private static final List<String> CATEGORIES = List.of("hate", "self_harm", "sexual", "violence");

  private final OpenAiApi openAi;
  private final Map<String, String> deployments = new ConcurrentHashMap<>();
  private volatile String apiKey;
  private volatile String bearerToken;
  private volatile String filteredWord;

  AzureApi(Clock clock) {
    this.openAi = new OpenAiApi(clock);
  }

  void requireApiKey(String key) {
    this.apiKey = key;
  }

  void requireBearerToken(String token) {
    this.bearerToken = token;
  }

  void deploy(String deployment, String model) {
    deployments.put(deployment, model);
  }

  /**
   * Azure's "Models - List" answer: the models the resource can deploy, each with its capabilities
   * and lifecycle (https://learn.microsoft.com/en-us/rest/api/azureopenai/models/list).
   */
  private ObjectNode models() {
    ObjectNode list = JSON.createObjectNode();
    var data = list.putArray("data");
    for (String id :
        List.of("gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "text-embedding-3-small")) {
      ObjectNode model = data.addObject();
      model.put("status", "succeeded");
      boolean embeddings = id.startsWith("text-embedding");
      ObjectNode capabilities = model.putObject("capabilities");
      capabilities.put("fine_tune", false);
      capabilities.put("inference", true);
      capabilities.put("completion", false);
      capabilities.put("chat_completion", !embeddings);
      capabilities.put("embeddings", embeddings);
      model.put("lifecycle_status", "generally-available");
      model.putObject("deprecation").put("inference", 1_790_000_000L);
      model.put("id", id);
      model.put("created_at", 1_720_000_000L);
      model.put("object", "model");
    }
    list.put("object", "list");
    return list;
  }

  void filterPromptsContaining(String word) {
    this.filteredWord = word;
  }

  Reply answer(RecordedRequest request, Fault.Status forced) {
    Reply.Json unauthorized = authenticate(request);
    if (unauthorized != null) {
      return unauthorized;
    }
    if (request.path().equals("/openai/models") && apiVersion(request) != null) {
      return request.method().equals("GET")
          ? new Reply.Json(200, models(), Map.of())
          : error(405, "405", "Method not allowed", Map.of());
    }
    Matcher path = DEPLOYMENT_PATH.matcher(request.path());
    if (!path.matches() || apiVersion(request) == null) {
      // Azure's answer to an unknown path, and to one without api-version.
      return error(404, "404", "Resource not found", Map.of());
    }
    if (!request.method().equals("POST")) {
      return error(405, "405", "Method not allowed", Map.of());
    }
    String deployment = path.group(1);
    String model = deployments.isEmpty() ? deployment : deployments.get(deployment);
    if (model == null) {
      return error(
          404,
          "DeploymentNotFound",
          "The API deployment for this resource does not exist. If you created the deployment"
              + " within the last 5 minutes, please wait a moment and try again.",
          Map.of());
    }
    if (forced != null) {
      return forcedError(forced, path.group(2), apiVersion(request));
    }
    JsonNode body;
    try {
      body = JSON.readTree(request.body());
    } catch (JsonProcessingException e) {
      body = null;
    }
    if (body instanceof ObjectNode object) {
      object.put("model", model); // the deployment decides the model, whatever the body says
      if (path.group(2).equals("/chat/completions") && isFiltered(object)) {
        return contentFilterError();
      }
    }
    RecordedRequest asOpenAi =
        new RecordedRequest(
            "POST",
            "/v1" + path.group(2),
            null,
            List.of(),
            body == null ? request.body() : body.toString(),
            request.receivedAt());
    Reply reply = openAi.answer(asOpenAi, null);
    if (!path.group(2).equals("/chat/completions")) {
      return reply;
    }
    return switch (reply) {
      case Reply.Json json when json.status() == 200 ->
          new Reply.Json(200, annotated((ObjectNode) json.body()), json.headers());
      case Reply.Json json -> json;
      case Reply.EventStream stream -> annotated(stream);
      case Reply.Text text -> text;
    };
  }

  private Reply.Json authenticate(RecordedRequest request) {
    String authorization = request.header("authorization");
    String key = request.header("api-key");
    if (authorization != null && authorization.startsWith("Bearer ")) {
      String token = bearerToken;
      if (token != null && !authorization.equals("Bearer " + token)) {
        return error(
            401, "PermissionDenied", "Principal does not have access to API/Operation.", Map.of());
      }
      return null;
    }
    String required = apiKey;
    if (key == null || key.isEmpty() || (required != null && !required.equals(key))) {
      return error(
          401,
          "401",
          "Access denied due to invalid subscription key or wrong API endpoint. Make sure to"
              + " provide a valid key for an active subscription and use a correct regional API"
              + " endpoint for your resource.",
          Map.of());
    }
    return null;
  }

  private static String apiVersion(RecordedRequest request) {
    String query = request.query();
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      if (pair.startsWith("api-version=") && pair.length() > "api-version=".length()) {
        return pair.substring("api-version=".length());
      }
    }
    return null;
  }

  private boolean isFiltered(ObjectNode body) {
    String word = filteredWord;
    return word != null && body.path("messages").toString().contains(word);
  }

  /** Azure's error body: {@code {"error":{"code","message"}}}. */
  static Reply.Json error(int status, String code, String message, Map<String, String> headers) {
    ObjectNode body = NODES.objectNode();
    body.putObject("error").put("code", code).put("message", message);
    return new Reply.Json(status, body, headers);
  }

  private static Reply forcedError(Fault.Status forced, String endpoint, String version) {
    int status = forced.status();
    return switch (status) {
      case 400 -> contentFilterError();
      case 429 ->
          error(
              429,
              "429",
              "Requests to the "
                  + (endpoint.equals("/embeddings")
                      ? "Embeddings_Create"
                      : "ChatCompletions_Create")
                  + " Operation under Azure OpenAI API version "
                  + version
                  + " have exceeded token rate limit of your current OpenAI S0 pricing tier."
                  + " Please retry after 1 second.",
              withDefault(forced.headers(), "retry-after", "1"));
      default ->
          status >= 500
              ? new Reply.Json(status, ApiError.forStatus(500, null, null).body(), forced.headers())
              : error(status, Integer.toString(status), "Request failed.", forced.headers());
    };
  }

  private static Map<String, String> withDefault(
      Map<String, String> headers, String name, String value) {
    if (headers.containsKey(name)) {
      return headers;
    }
    Map<String, String> all = new java.util.LinkedHashMap<>(headers);
    all.put(name, value);
    return all;
  }

  /**
   * The 400 Azure answers when its content filter blocks a prompt
   * (https://learn.microsoft.com/en-us/azure/ai-services/openai/concepts/content-filter).
   */
  static Reply.Json contentFilterError() {
    ObjectNode body = NODES.objectNode();
    ObjectNode error = body.putObject("error");
    error.put(
        "message",
        "The response was filtered due to the prompt triggering Azure OpenAI's content management"
            + " policy. Please modify your prompt and retry. To learn more about our content"
            + " filtering policies please read our documentation:"
            + " https://go.microsoft.com/fwlink/?linkid=2198766");
    error.put("type", (String) null);
    error.put("param", "prompt");
    error.put("code", "content_filter");
    error.put("status", 400);
    ObjectNode inner = error.putObject("innererror");
    inner.put("code", "ResponsibleAIPolicyViolation");
    ObjectNode results = filterResults();
    ((ObjectNode) results.get("violence")).put("filtered", true).put("severity", "high");
    inner.set("content_filter_result", results);
    return new Reply.Json(400, body);
  }

  /** Each category's verdict: not filtered, severity safe. */
  private static ObjectNode filterResults() {
    ObjectNode results = NODES.objectNode();
    for (String category : CATEGORIES) {
      results.putObject(category).put("filtered", false).put("severity", "safe");
    }
    return results;
  }

  private static ArrayNode promptFilterResults() {
    ArrayNode prompts = NODES.arrayNode();
    prompts.addObject().put("prompt_index", 0).set("content_filter_results", filterResults());
    return prompts;
  }

  /** A completion as Azure sends it: the prompt's and each choice's filter results. */
  private static ObjectNode annotated(ObjectNode completion) {
    completion.remove("service_tier");
    ObjectNode out = NODES.objectNode();
    completion
        .properties()
        .forEach(field -> {
          out.set(field.getKey(), field.getValue());
          if (field.getKey().equals("model")) {
            out.set("prompt_filter_results", promptFilterResults());
          }
        });
    for (JsonNode choice : out.path("choices")) {
      ((ObjectNode) choice).set("content_filter_results", filterResults());
    }
    return out;
  }

  /**
   * A stream as Azure sends it: first an event with no choices carrying the prompt's filter
   * results, then the chunks, each choice with its filter results (empty on the role's and the
   * finish reason's chunks).
   */
  private static Reply.EventStream annotated(Reply.EventStream stream) {
    List<JsonNode> events = new ArrayList<>();
    ObjectNode first = NODES.objectNode();
    first.putArray("choices");
    first.put("created", 0).put("id", "").put("model", "").put("object", "");
    first.set("prompt_filter_results", promptFilterResults());
    events.add(first);
    for (JsonNode event : stream.events()) {
      ObjectNode chunk = event.deepCopy();
      chunk.remove("service_tier");
      for (JsonNode choice : chunk.path("choices")) {
        JsonNode delta = choice.path("delta");
        boolean content =
            delta.path("content").isTextual() && !delta.path("content").asText().isEmpty();
        ((ObjectNode) choice)
            .set("content_filter_results", content ? filterResults() : NODES.objectNode());
      }
      events.add(chunk);
    }
    return new Reply.EventStream(events);
  }
}
