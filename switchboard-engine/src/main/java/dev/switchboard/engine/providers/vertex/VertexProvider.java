package dev.switchboard.engine.providers.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.Provider;
import dev.switchboard.engine.providers.ProviderFactory;
import dev.switchboard.engine.providers.Reply;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.engine.providers.anthropic.AnthropicErrors;
import dev.switchboard.engine.providers.anthropic.AnthropicRequestTranslator;
import dev.switchboard.engine.providers.anthropic.AnthropicResponseTranslator;
import dev.switchboard.engine.providers.anthropic.AnthropicStreamTranslator;
import dev.switchboard.engine.providers.google.GeminiApi;
import dev.switchboard.engine.providers.google.GeminiEmbeddings;
import dev.switchboard.engine.providers.google.GoogleErrors;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.ModelList;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Vertex AI (https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest): Google's Gemini
 * models through {@code generateContent} and {@code streamGenerateContent?alt=sse} with the Gemini
 * translation of {@code providers.google}, Anthropic's Claude models through {@code rawPredict} and
 * {@code streamRawPredict} with the translation of {@code providers.anthropic}, and text embeddings
 * through {@code predict}, as Portkey's gateway serves them ({@code
 * src/providers/google-vertex-ai}).
 *
 * <p>URLs: {@code https://{region}-aiplatform.googleapis.com/v1/projects/{project}/locations/
 * {region}/publishers/{google|anthropic}/models/{model}:{method}} ({@code
 * aiplatform.googleapis.com} for the {@code global} region). Options: {@code vertex_region}
 * (required), {@code vertex_project_id} (the service account's {@code project_id} wins, as in
 * Portkey), {@code vertex_service_account_json}. Credentials: an access token minted from the
 * service account (see {@link VertexAccessTokens}), else the client's {@code Authorization: Bearer
 * <token>} passed on.
 */
public final class VertexProvider implements Provider {
  public static final String NAME = "vertex-ai";

  /**
   * The provider, at each target's regional endpoint (its region and project), or at the {@code
   * providers.vertex-ai.base-url} setting that replaces it.
   */
  public static final ProviderFactory FACTORY =
      ProviderFactory.single(NAME, null, VertexProvider::new);

  /** The Anthropic API version Vertex AI's Claude models take, unless the request names one. */
  static final String ANTHROPIC_VERSION = "vertex-2023-10-16";

  private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,40}");
  private static final Pattern PROJECT = Pattern.compile("[a-z0-9][a-z0-9.:-]{0,99}");
  private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]*");

  private final URI baseUrl;
  private final GeminiApi api;
  private final VertexAccessTokens tokens;

  /**
   * @param baseUrl an origin that replaces {@code https://{region}-aiplatform.googleapis.com} (a
   *     test fake, a private endpoint), or {@code null}
   */
  VertexProvider(URI baseUrl, UpstreamClient client, Duration defaultTimeout, Clock clock) {
    this.baseUrl = baseUrl;
    this.api = new GeminiApi(NAME, client, defaultTimeout, clock);
    this.tokens = new VertexAccessTokens(client, defaultTimeout, 256);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Capabilities capabilities() {
    return Capabilities.chatWithTools().withJsonSchema().withEmbeddings().withModels();
  }

  /** Which of Vertex AI's publishers serves a model, and the model's id there. */
  record PublisherModel(String publisher, String model) {
    /**
     * As Portkey reads it: {@code anthropic.<model>} or {@code google.<model>}; a bare {@code
     * claude-…} model is Anthropic's, any other Google's.
     */
    static PublisherModel of(String model) {
      if (model == null || model.isBlank()) {
        throw new InvalidRequestException("model is required.", "model", null);
      }
      String publisher = "google";
      String id = model;
      int dot = model.indexOf('.');
      if (dot > 0) {
        String prefix = model.substring(0, dot);
        if (Set.of("google", "anthropic", "meta", "mistralai", "endpoints").contains(prefix)) {
          publisher = prefix;
          id = model.substring(dot + 1);
        }
      }
      if (publisher.equals("google") && id.startsWith("claude-")) {
        publisher = "anthropic";
      }
      if (!publisher.equals("google") && !publisher.equals("anthropic")) {
        throw new InvalidRequestException(
            "Vertex AI models of '" + publisher + "' are not supported yet.", "model", null);
      }
      if (!MODEL.matcher(id).matches()) {
        throw new InvalidRequestException("Invalid model id: '" + model + "'.", "model", null);
      }
      return new PublisherModel(publisher, id);
    }
  }

  @Override
  public Reply<ChatCompletion> chat(ChatRequest request, Target target) {
    PublisherModel model = PublisherModel.of(request.model());
    if (model.publisher().equals("anthropic")) {
      ObjectNode body = anthropicBody(request.withStream(null), target);
      UpstreamResponse response =
          api.call(
              "POST",
              url(target, model, ":rawPredict"),
              headers(target, request),
              body,
              target,
              false,
              VertexProvider::anthropicError);
      Reply<JsonNode> reply = api.readJson(response);
      return new Reply<>(
          AnthropicResponseTranslator.toChatCompletion(
              reply.body(), GeminiApi.strict(target), api.now()),
          reply.headers());
    }
    return api.chat(
        request.withStream(null),
        target,
        url(target, model, ":generateContent"),
        headers(target, request));
  }

  @Override
  public ResponseStream<ChatCompletionChunk> streamChat(ChatRequest request, Target target) {
    PublisherModel model = PublisherModel.of(request.model());
    if (model.publisher().equals("anthropic")) {
      ObjectNode body = anthropicBody(request, target);
      UpstreamResponse response =
          api.call(
              "POST",
              url(target, model, ":streamRawPredict"),
              headers(target, request),
              body,
              target,
              true,
              VertexProvider::anthropicError);
      var translator =
          new AnthropicStreamTranslator(
              NAME, GeminiApi.strict(target), request.wantsStreamUsage(), api.now());
      return TranslatedStream.ofSse(NAME, response, translator);
    }
    return api.streamChat(
        request,
        target,
        url(target, model, ":streamGenerateContent?alt=sse"),
        headers(target, request));
  }

  /**
   * Text embeddings through {@code predict}
   * (https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api):
   * one instance per input, {@code dimensions} as {@code outputDimensionality}; usage is the sum of
   * each prediction's {@code statistics.token_count}.
   */
  @Override
  public Reply<EmbeddingResponse> embed(EmbeddingRequest request, Target target) {
    PublisherModel model = PublisherModel.of(request.model());
    if (!model.publisher().equals("google")) {
      throw new InvalidRequestException(
          "Vertex AI embeddings are served for Google's models only.", "model", null);
    }
    List<String> texts = GeminiEmbeddings.texts(request);
    ObjectNode body = WireJson.mapper().createObjectNode();
    var instances = body.putArray("instances");
    JsonNode taskType = request.extras().get("task_type");
    for (String text : texts) {
      ObjectNode instance = instances.addObject().put("content", text);
      if (taskType != null && taskType.isTextual()) {
        instance.set("task_type", taskType);
      }
    }
    if (request.dimensions() != null) {
      body.putObject("parameters").put("outputDimensionality", request.dimensions());
    }
    Reply<JsonNode> reply =
        api.send(
            "POST", url(target, model, ":predict"), headers(target, null), body, target, false);
    List<EmbeddingResponse.Embedding> data = new ArrayList<>();
    int tokens = 0;
    JsonNode predictions = reply.body().path("predictions");
    for (int i = 0; i < predictions.size(); i++) {
      JsonNode embeddings = predictions.get(i).path("embeddings");
      data.add(GeminiEmbeddings.embedding(i, embeddings.path("values"), request.encodingFormat()));
      tokens += embeddings.path("statistics").path("token_count").asInt(0);
    }
    return new Reply<>(
        new EmbeddingResponse(
            "list", data, request.model(), new Usage(tokens, null, tokens, null, null, null), null),
        reply.headers());
  }

  /**
   * Google's models in Vertex AI's Model Garden ({@code GET /v1beta1/publishers/google/models}), as
   * OpenAI's model list: the id is the model's name after {@code publishers/google/models/}.
   */
  @Override
  public Reply<ModelList> models(Target target) {
    URI url =
        URI.create(
            origin(target, region(target)) + "/v1beta1/publishers/google/models?pageSize=1000");
    Reply<JsonNode> reply = api.send("GET", url, headers(target, null), null, target, false);
    List<ModelList.Model> models = new ArrayList<>();
    for (JsonNode model : reply.body().path("publisherModels")) {
      String name = model.path("name").asText();
      String id = name.substring(name.lastIndexOf('/') + 1);
      models.add(new ModelList.Model(id, "model", null, "google", null));
    }
    return new Reply<>(new ModelList("list", models, null), reply.headers());
  }

  /**
   * Anthropic's Messages body as Vertex AI takes it: no {@code model} (it is in the URL), and
   * {@code anthropic_version} {@value #ANTHROPIC_VERSION} unless the request or the target names
   * another.
   */
  static ObjectNode anthropicBody(ChatRequest request, Target target) {
    ObjectNode body = AnthropicRequestTranslator.toMessagesRequest(request);
    body.remove("model");
    String version = target.option("anthropic_version");
    JsonNode inBody = request.extras().get("anthropic_version");
    if (version == null && inBody != null && inBody.isTextual()) {
      version = inBody.asText();
    }
    body.put("anthropic_version", version != null ? version : ANTHROPIC_VERSION);
    return body;
  }

  /** A failed Anthropic call: Google's error when Vertex AI answered it, else Anthropic's. */
  private static JsonNode anthropicError(byte[] body) {
    try {
      if (GoogleErrors.googleError(WireJson.tree(body)) != null) {
        return GoogleErrors.errorObject(body);
      }
    } catch (WireFormatException e) {
      // not JSON: Anthropic's reader keeps the text
    }
    return AnthropicErrors.errorObject(body);
  }

  private URI url(Target target, PublisherModel model, String method) {
    String region = region(target);
    return URI.create(
        origin(target, region)
            + "/v1/projects/"
            + project(target)
            + "/locations/"
            + region
            + "/publishers/"
            + model.publisher()
            + "/models/"
            + model.model()
            + method);
  }

  private static String region(Target target) {
    String region = target.option("vertex_region");
    if (region == null || region.isBlank()) {
      throw new InvalidRequestException(
          "Vertex AI needs a region: x-portkey-vertex-region or the config's vertex_region.",
          "vertex_region",
          null);
    }
    if (!REGION.matcher(region).matches()) {
      throw new InvalidRequestException("Invalid Vertex AI region.", "vertex_region", null);
    }
    return region;
  }

  /**
   * The API's origin for {@code region}: the target's custom host, the configured one, or Google's.
   */
  private String origin(Target target, String region) {
    String origin;
    if (target.customHost() != null) {
      origin = target.customHost();
    } else if (baseUrl != null) {
      origin = baseUrl.toString();
    } else {
      origin =
          region.equals("global")
              ? "https://aiplatform.googleapis.com"
              : "https://" + region + "-aiplatform.googleapis.com";
    }
    while (origin.endsWith("/")) {
      origin = origin.substring(0, origin.length() - 1);
    }
    return origin;
  }

  /** The service account's {@code project_id}, else {@code vertex_project_id}, as Portkey. */
  private static String project(Target target) {
    String project = null;
    String json = target.option("vertex_service_account_json");
    if (json != null) {
      JsonNode fromKey = VertexAccessTokens.parse(json).path("project_id");
      if (fromKey.isTextual() && !fromKey.asText().isEmpty()) {
        project = fromKey.asText();
      }
    }
    if (project == null) {
      project = target.option("vertex_project_id");
    }
    if (project == null || project.isBlank()) {
      throw new InvalidRequestException(
          "Vertex AI needs a project: x-portkey-vertex-project-id, the config's"
              + " vertex_project_id, or the service account's project_id.",
          "vertex_project_id",
          null);
    }
    if (!PROJECT.matcher(project).matches()) {
      throw new InvalidRequestException("Invalid Vertex AI project id.", "vertex_project_id", null);
    }
    return project;
  }

  private List<Map.Entry<String, String>> headers(Target target, ChatRequest request) {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    String json = target.option("vertex_service_account_json");
    String token = json != null ? tokens.token(json) : target.apiKey();
    if (token == null) {
      throw new InvalidRequestException(
          "Vertex AI needs credentials: a service account (x-portkey-vertex-service-account-json"
              + " or the config's vertex_service_account_json) or an access token"
              + " (Authorization: Bearer).",
          "vertex_service_account_json",
          null);
    }
    headers.add(Map.entry("authorization", "Bearer " + token));
    String beta = target.option("anthropic_beta");
    if (beta == null && request != null) {
      JsonNode inBody = request.extras().get("anthropic_beta");
      if (inBody != null && inBody.isTextual()) {
        beta = inBody.asText();
      }
    }
    if (beta != null) {
      headers.add(Map.entry("anthropic-beta", beta));
    }
    return headers;
  }
}
