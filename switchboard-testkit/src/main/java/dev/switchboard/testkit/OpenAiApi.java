package dev.switchboard.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Clock;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * OpenAI's API as the fake serves it: authentication, routing and request validation, from a
 * recorded request to a reply. It knows nothing of HTTP connections or faults in delivery.
 */
final class OpenAiApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODELS = "/v1/models";
  private static final String RESPONSES = "/v1/responses";

  private final Queue<OpenAiChatReply> scripted = new ConcurrentLinkedQueue<>();
  private final ChatCompletions chat;
  private final TextCompletions completions;
  private final Embeddings embeddings = new Embeddings();
  private final Models models = new Models();
  private final Moderations moderations = new Moderations();
  private final AudioTranscriptions transcriptions = new AudioTranscriptions();
  private final Responses responses;
  private volatile String requiredApiKey;

  OpenAiApi(Clock clock) {
    this.chat = new ChatCompletions(clock, scripted);
    this.completions = new TextCompletions(clock);
    this.responses = new Responses(clock, scripted);
  }

  /**
   * Whether the request's stream names each event ({@code event: <type>}) and ends with its last
   * event, without {@code [DONE]}: the Responses API's, unlike chat completions'.
   */
  static boolean namesEvents(RecordedRequest request) {
    return request.path().equals(RESPONSES);
  }

  /** The next valid chat completions or Responses API request is answered with {@code reply}. */
  void enqueue(OpenAiChatReply reply) {
    scripted.add(reply);
  }

  /** From now on, requests must carry {@code Authorization: Bearer <key>}; {@code null}: any. */
  void requireApiKey(String key) {
    this.requiredApiKey = key;
  }

  /**
   * The reply to {@code request}: the error for {@code forcedStatus} when it is not {@code null}
   * (after authentication, which comes first as at OpenAI), otherwise the endpoint's answer.
   */
  Reply answer(RecordedRequest request, Fault.Status forcedStatus) {
    String key = requiredApiKey;
    String authorization = request.header("authorization");
    if (key != null && !("Bearer " + key).equals(authorization)) {
      return ApiError.forStatus(401, null, authorization).reply();
    }
    if (forcedStatus != null) {
      return ApiError.forStatus(forcedStatus.status(), modelOf(request), authorization)
          .reply(forcedStatus.headers());
    }
    try {
      return route(request);
    } catch (ApiError.Rejection rejection) {
      return rejection.error().reply();
    }
  }

  private Reply route(RecordedRequest request) {
    String path = request.path();
    return switch (path) {
      case "/v1/chat/completions" -> post(request, chat::answer, true);
      case "/v1/completions" -> post(request, completions::answer, true);
      case "/v1/embeddings" -> post(request, embeddings::answer, true);
      case "/v1/moderations" -> post(request, moderations::answer, false);
      case RESPONSES -> post(request, responses::answer, true);
      case "/v1/realtime/calls" ->
          request.method().equals("POST")
              ? RealtimeCalls.answer(request)
              : ApiError.invalidMethod(request.method(), path).reply();
      case "/v1/audio/transcriptions" ->
          request.method().equals("POST")
              ? transcriptions.answer(request)
              : ApiError.invalidMethod(request.method(), path).reply();
      case MODELS -> get(request, models::list);
      default -> {
        if (path.startsWith(MODELS + "/") && path.length() > MODELS.length() + 1) {
          String id = URI.create(path.substring(MODELS.length() + 1)).getPath();
          yield get(request, () -> models.retrieve(id));
        }
        yield ApiError.invalidUrl(request.method(), path).reply();
      }
    };
  }

  private static Reply get(RecordedRequest request, Supplier<Reply> endpoint) {
    if (!request.method().equals("GET")) {
      return ApiError.invalidMethod(request.method(), request.path()).reply();
    }
    return endpoint.get();
  }

  private static Reply post(
      RecordedRequest request, Function<ObjectNode, Reply> endpoint, boolean requiresModel) {
    if (!request.method().equals("POST")) {
      return ApiError.invalidMethod(request.method(), request.path()).reply();
    }
    JsonNode body;
    try {
      body = JSON.readTree(request.body());
    } catch (JsonProcessingException e) {
      body = null;
    }
    if (body == null || !body.isObject()) {
      return ApiError.unparsableJson().reply();
    }
    JsonNode model = body.get("model");
    if (requiresModel && (model == null || !model.isTextual() || model.asText().isEmpty())) {
      return ApiError.missingModel().reply();
    }
    return endpoint.apply((ObjectNode) body);
  }

  /** The model a request names, for the wording of an error about it. */
  private static String modelOf(RecordedRequest request) {
    try {
      return JSON.readTree(request.body()).path("model").asText("gpt-4o-mini");
    } catch (JsonProcessingException e) {
      return "gpt-4o-mini";
    }
  }
}
