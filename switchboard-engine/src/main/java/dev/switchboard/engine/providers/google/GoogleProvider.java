package dev.switchboard.engine.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.Provider;
import dev.switchboard.engine.providers.ProviderFactory;
import dev.switchboard.engine.providers.Reply;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.ModelList;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Google AI's Gemini API (https://ai.google.dev/api): OpenAI-format chat translated to {@code
 * generateContent} and {@code streamGenerateContent?alt=sse} and back, embeddings through {@code
 * embedContent} and {@code batchEmbedContents}, and the model list.
 *
 * <p>The key (the client's {@code Authorization: Bearer <key>}, as Portkey takes it) is sent as
 * {@code x-goog-api-key}, never in the URL.
 */
public final class GoogleProvider implements Provider {
  public static final String NAME = "google";
  static final URI DEFAULT_BASE_URL = URI.create("https://generativelanguage.googleapis.com");

  /** The provider, at its API or at the {@code providers.google.base-url} setting. */
  public static final ProviderFactory FACTORY =
      ProviderFactory.single(NAME, DEFAULT_BASE_URL, GoogleProvider::new);

  static final String VERSION = "/v1beta";

  /** A model id as it may stand in a URL path segment. */
  private static final Pattern MODEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@:-]*");

  private final URI baseUrl;
  private final GeminiApi api;

  /**
   * @param baseUrl the API's origin, e.g. {@code https://generativelanguage.googleapis.com}; the
   *     version ({@code /v1beta}) is added
   */
  GoogleProvider(URI baseUrl, UpstreamClient client, Duration defaultTimeout, Clock clock) {
    this.baseUrl = baseUrl;
    this.api = new GeminiApi(NAME, client, defaultTimeout, clock);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Capabilities capabilities() {
    return Capabilities.chatWithTools().withJsonSchema().withEmbeddings().withModels();
  }

  @Override
  public Reply<ChatCompletion> chat(ChatRequest request, Target target) {
    return api.chat(
        request.withStream(null),
        target,
        url(target, model(request.model()), ":generateContent"),
        headers(target));
  }

  @Override
  public ResponseStream<ChatCompletionChunk> streamChat(ChatRequest request, Target target) {
    return api.streamChat(
        request,
        target,
        url(target, model(request.model()), ":streamGenerateContent?alt=sse"),
        headers(target));
  }

  @Override
  public Reply<EmbeddingResponse> embed(EmbeddingRequest request, Target target) {
    String model = model(request.model());
    List<String> texts = GeminiEmbeddings.texts(request);
    Reply<JsonNode> reply =
        texts.size() == 1
            ? api.send(
                "POST",
                url(target, model, ":embedContent"),
                headers(target),
                GeminiEmbeddings.embedContent(texts.getFirst(), request),
                target,
                false)
            : api.send(
                "POST",
                url(target, model, ":batchEmbedContents"),
                headers(target),
                GeminiEmbeddings.batchEmbedContents(model, texts, request),
                target,
                false);
    return new Reply<>(GeminiEmbeddings.response(reply.body(), request), reply.headers());
  }

  @Override
  public Reply<ModelList> models(Target target) {
    URI url = URI.create(base(target) + VERSION + "/models?pageSize=1000");
    Reply<JsonNode> reply = api.send("GET", url, headers(target), null, target, false);
    List<ModelList.Model> models = new ArrayList<>();
    for (JsonNode model : reply.body().path("models")) {
      String name = model.path("name").asText();
      String id = name.startsWith("models/") ? name.substring("models/".length()) : name;
      // Gemini's list has no creation time; OpenAI's schema requires one (0, as for Cohere's).
      models.add(new ModelList.Model(id, "model", 0L, "google", null));
    }
    return new Reply<>(new ModelList("list", models, null), reply.headers());
  }

  /**
   * The model as it goes in the path, {@code models/} taken off if the client put it on.
   *
   * @throws InvalidRequestException when there is none, or it is not a model id
   */
  static String model(String model) {
    if (model == null || model.isBlank()) {
      throw new InvalidRequestException("model is required.", "model", null);
    }
    String id = model.startsWith("models/") ? model.substring("models/".length()) : model;
    if (!MODEL.matcher(id).matches()) {
      throw new InvalidRequestException("Invalid model id: '" + model + "'.", "model", null);
    }
    return id;
  }

  private URI url(Target target, String model, String method) {
    return URI.create(base(target) + VERSION + "/models/" + model + method);
  }

  private String base(Target target) {
    String base = target.customHost() != null ? target.customHost() : baseUrl.toString();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    if (base.endsWith(VERSION)) {
      base = base.substring(0, base.length() - VERSION.length());
    }
    return base;
  }

  private static List<Map.Entry<String, String>> headers(Target target) {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    if (target.apiKey() != null) {
      headers.add(Map.entry("x-goog-api-key", target.apiKey()));
    }
    return headers;
  }
}
