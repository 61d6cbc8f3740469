package dev.switchboard.engine.providers.cohere;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.outbound.UpstreamRequest;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.Provider;
import dev.switchboard.engine.providers.ProviderFactory;
import dev.switchboard.engine.providers.Reply;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.engine.providers.openai.OpenAiDialect;
import dev.switchboard.engine.providers.openai.OpenAiProvider;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.ModelList;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cohere's v2 API (https://docs.cohere.com/reference/about): OpenAI-format chat translated to
 * {@code POST /v2/chat} and back (its stream too), embeddings to {@code POST /v2/embed}, and {@code
 * GET /v1/models}. The key goes as {@code Authorization: Bearer}; Cohere's {@code {"message": …}}
 * errors come back in OpenAI's shape with Cohere's status.
 */
public final class CohereProvider implements Provider {
  public static final String NAME = "cohere";
  static final URI DEFAULT_BASE_URL = URI.create("https://api.cohere.com");

  /** The provider, at its API or at the {@code providers.cohere.base-url} setting. */
  public static final ProviderFactory FACTORY =
      ProviderFactory.single(NAME, DEFAULT_BASE_URL, CohereProvider::new);

  private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

  private final URI baseUrl;
  private final UpstreamClient client;
  private final Duration defaultTimeout;
  private final Clock clock;

  /**
   * @param baseUrl Cohere's origin, {@code https://api.cohere.com}, or what replaces it
   * @param defaultTimeout the time a call may take when the request sets none; {@code null} for no
   *     limit
   * @param clock where answers' {@code created} times come from
   */
  CohereProvider(URI baseUrl, UpstreamClient client, Duration defaultTimeout, Clock clock) {
    this.baseUrl = baseUrl;
    this.client = client;
    this.defaultTimeout = defaultTimeout;
    this.clock = clock;
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
    ObjectNode body = CohereRequestTranslator.toChat(request.withStream(null));
    Reply<JsonNode> reply = readJson(send(target, "POST", "/v2/chat", body, false));
    return new Reply<>(
        CohereResponseTranslator.toChatCompletion(
            reply.body(), request.model(), clock.instant().getEpochSecond()),
        reply.headers());
  }

  @Override
  public ResponseStream<ChatCompletionChunk> streamChat(ChatRequest request, Target target) {
    ChatRequest streamed = request.withStream(true);
    ObjectNode body = CohereRequestTranslator.toChat(streamed);
    boolean includeUsage = request.wantsStreamUsage();
    return TranslatedStream.ofSse(
        NAME,
        send(target, "POST", "/v2/chat", body, true),
        new CohereStreamTranslator(
            request.model(), clock.instant().getEpochSecond(), includeUsage));
  }

  @Override
  public Reply<EmbeddingResponse> embed(EmbeddingRequest request, Target target) {
    ObjectNode body = CohereRequestTranslator.toEmbed(request);
    Reply<JsonNode> reply = readJson(send(target, "POST", "/v2/embed", body, false));
    return new Reply<>(
        CohereResponseTranslator.toEmbeddings(
            reply.body(), request.model(), "base64".equals(request.encodingFormat())),
        reply.headers());
  }

  @Override
  public Reply<ModelList> models(Target target) {
    Reply<JsonNode> reply = readJson(send(target, "GET", "/v1/models", null, false));
    return new Reply<>(CohereResponseTranslator.toModelList(reply.body()), reply.headers());
  }

  private UpstreamResponse send(
      Target target, String method, String path, ObjectNode body, boolean streaming) {
    String base = target.customHost() != null ? target.customHost() : baseUrl.toString();
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    if (body != null) {
      headers.add(Map.entry("content-type", "application/json"));
    }
    headers.add(Map.entry("accept", streaming ? "text/event-stream" : "application/json"));
    OpenAiDialect.bearer(target, headers);
    headers.addAll(target.forwardHeaders());
    var call =
        new UpstreamRequest(
            NAME,
            method,
            OpenAiDialect.join(base, path, null),
            headers,
            body == null ? null : WireJson.write(body),
            target.requestTimeout() != null ? target.requestTimeout() : defaultTimeout,
            streaming,
            target.hops());
    // Cohere's {"message": "..."} becomes OpenAI's error object with that message.
    return client.send(call, MAX_RESPONSE_BYTES).succeededOr(NAME, OpenAiProvider::errorObject);
  }

  private Reply<JsonNode> readJson(UpstreamResponse response) {
    byte[] body;
    try (response) {
      body = response.readBody(MAX_RESPONSE_BYTES);
    }
    try {
      return new Reply<>(WireJson.tree(body), response.headers());
    } catch (WireFormatException e) {
      throw new UpstreamFailureException(
          NAME, "The provider's response is not valid JSON: " + e.getMessage(), true, e);
    }
  }
}
