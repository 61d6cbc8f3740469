package dev.switchboard.engine.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.outbound.UpstreamRequest;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.PassThroughRequest;
import dev.switchboard.engine.providers.Provider;
import dev.switchboard.engine.providers.ProviderContext;
import dev.switchboard.engine.providers.ProviderFactory;
import dev.switchboard.engine.providers.Reply;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.Completion;
import dev.switchboard.wire.CompletionRequest;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.ModelList;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's API (https://platform.openai.com/docs/api-reference) and every server that speaks it
 * (vLLM, Ollama, LM Studio, Groq, Together, …) through a custom host. Requests are the wire model
 * written as it is: nothing a client sends is dropped.
 */
public final class OpenAiProvider implements Provider {
  /** The provider's name, as in {@code x-portkey-provider}. */
  public static final String NAME = "openai";

  static final URI DEFAULT_BASE_URL = URI.create("https://api.openai.com/v1");
  static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

  /** OpenAI itself, at its API or at the {@code providers.openai.base-url} setting. */
  public static final ProviderFactory FACTORY =
      context ->
          List.of(
              forDialect(
                  NAME,
                  OpenAiDialect.openAi(context.baseUrl(NAME, DEFAULT_BASE_URL)),
                  Capabilities.chatWithTools()
                      .withJsonSchema()
                      .withCompletions()
                      .withEmbeddings()
                      .withModels()
                      .withPassThrough()
                      .withResponses(),
                  context));

  private final String name;
  private final OpenAiDialect dialect;
  private final Capabilities capabilities;
  private final UpstreamClient client;
  private final Duration defaultTimeout;

  /**
   * @param name the provider name clients select ("openai", or a compatible provider's)
   * @param capabilities what it serves; an operation it does not serve is refused with a 400 before
   *     any call
   * @param defaultTimeout the time a call may take when the request sets none; {@code null} for no
   *     limit
   */
  OpenAiProvider(
      String name,
      OpenAiDialect dialect,
      Capabilities capabilities,
      UpstreamClient client,
      Duration defaultTimeout) {
    this.name = name;
    this.dialect = dialect;
    this.capabilities = capabilities;
    this.client = client;
    this.defaultTimeout = defaultTimeout;
  }

  /**
   * A server that speaks OpenAI's format in its own {@code dialect} (URLs, credential, quirks),
   * under its own {@code name}: what the factories of OpenAI's kin (Azure OpenAI, the compatible
   * family) build their providers with.
   *
   * @param capabilities what it serves; an operation it does not serve is refused with a 400 before
   *     any call
   */
  public static Provider forDialect(
      String name, OpenAiDialect dialect, Capabilities capabilities, ProviderContext context) {
    return new OpenAiProvider(
        name, dialect, capabilities, context.upstream(), context.requestTimeout());
  }

  @Override
  public Capabilities capabilities() {
    return capabilities;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Reply<ChatCompletion> chat(ChatRequest request, Target target) {
    return readJson(
        post(target, OpenAiDialect.CHAT, chatBody(request), false), ChatCompletion.class);
  }

  @Override
  public ResponseStream<ChatCompletionChunk> streamChat(ChatRequest request, Target target) {
    return TranslatedStream.ofSse(
        name,
        post(target, OpenAiDialect.CHAT, chatBody(request), true),
        new OpenAiStreamTranslator<>(name, ChatCompletionChunk.class));
  }

  /** The request as the dialect takes it: as written, unless the dialect rewrites chat bodies. */
  private Object chatBody(ChatRequest request) {
    if (!dialect.rewritesChat()) {
      return request;
    }
    ObjectNode body = WireJson.mapper().valueToTree(request);
    return dialect.chatBody(body);
  }

  @Override
  public Reply<Completion> complete(CompletionRequest request, Target target) {
    requireServed(capabilities.completions(), "/v1/completions");
    return readJson(post(target, "/completions", request, false), Completion.class);
  }

  @Override
  public ResponseStream<Completion> streamCompletion(CompletionRequest request, Target target) {
    requireServed(capabilities.completions(), "/v1/completions");
    return TranslatedStream.ofSse(
        name,
        post(target, "/completions", request, true),
        new OpenAiStreamTranslator<>(name, Completion.class));
  }

  /**
   * The Responses API, natively: the body as the client sent it (every field, known or not), the
   * answer as the provider gave it.
   */
  @Override
  public Reply<JsonNode> responses(ObjectNode request, Target target) {
    requireServed(capabilities.responses(), "/v1/responses");
    return readJson(respond(target, request, false), JsonNode.class);
  }

  /** The Responses API's events, natively: each as it came, checked and named by its type. */
  @Override
  public ResponseStream<SseEvent> streamResponses(ObjectNode request, Target target) {
    requireServed(capabilities.responses(), "/v1/responses");
    return TranslatedStream.ofSse(
        name, respond(target, request, true), new ResponsesEventPassThrough(name));
  }

  /**
   * A Responses API call: the provider's error is relayed as it came, as the route relayed it when
   * it was passed through (and as OpenAI's own SDKs read it), not reshaped as a chat error.
   */
  private UpstreamResponse respond(Target target, ObjectNode request, boolean streaming) {
    return send(target, OpenAiDialect.RESPONSES, request, streaming)
        .succeededOrRelayedError(name, dialect::errorObject);
  }

  @Override
  public Reply<EmbeddingResponse> embed(EmbeddingRequest request, Target target) {
    requireServed(capabilities.embeddings(), "/v1/embeddings");
    // Portkey relays an OpenAI-format provider's embeddings error as it came, unlike a chat error.
    return readJson(
        send(target, "/embeddings", request, false)
            .succeededOrRelayedError(name, dialect::errorObject),
        EmbeddingResponse.class);
  }

  @Override
  public Reply<ModelList> models(Target target) {
    requireServed(capabilities.models(), "/v1/models");
    // A GET has no body, so no content type, as a passed-through GET (and Portkey's).
    List<Map.Entry<String, String>> headers = headers(target, false);
    headers.removeIf(h -> h.getKey().equals("content-type"));
    var call =
        new UpstreamRequest(
            name,
            "GET",
            url(target, "/models", null),
            headers,
            null,
            timeout(target),
            false,
            target.hops());
    return readJson(succeeded(client.send(call, MAX_RESPONSE_BYTES)), ModelList.class);
  }

  @Override
  public UpstreamResponse passThrough(PassThroughRequest request, Target target) {
    requireServed(capabilities.passThrough(), request.path());
    List<Map.Entry<String, String>> headers = headers(target, false);
    headers.removeIf(h -> h.getKey().equals("content-type") || h.getKey().equals("accept"));
    headers.addAll(request.headers());
    // The content type as Portkey sends it: none on a GET (or HEAD), whatever the client sent; on
    // any other method the client's, or JSON when it sent none (a DELETE without a body too).
    boolean bodiless = request.method().equals("GET") || request.method().equals("HEAD");
    if (bodiless) {
      headers.removeIf(h -> h.getKey().equals("content-type"));
    } else if (headers.stream().noneMatch(h -> h.getKey().equals("content-type"))) {
      headers.add(Map.entry("content-type", "application/json"));
    }
    boolean streaming =
        request.headers().stream()
            .anyMatch(h ->
                h.getKey().equalsIgnoreCase("accept")
                    && h.getValue().contains("text/event-stream"));
    var call =
        new UpstreamRequest(
            name,
            request.method(),
            url(target, request.path(), request.query()),
            headers,
            request.body(),
            timeout(target),
            streaming,
            target.hops());
    return client.send(call);
  }

  private UpstreamResponse post(Target target, String path, Object body, boolean streaming) {
    return succeeded(send(target, path, body, streaming));
  }

  private UpstreamResponse send(Target target, String path, Object body, boolean streaming) {
    var call =
        new UpstreamRequest(
            name,
            "POST",
            url(target, path, null),
            headers(target, streaming),
            WireJson.write(body),
            timeout(target),
            streaming,
            target.hops());
    return client.send(call, MAX_RESPONSE_BYTES);
  }

  private URI url(Target target, String path, String query) {
    return dialect.url(target, path, query);
  }

  private void requireServed(boolean served, String endpoint) {
    if (!served) {
      throw new InvalidRequestException(
          endpoint + " is not supported by the " + name + " provider", "x-portkey-provider", null);
    }
  }

  private List<Map.Entry<String, String>> headers(Target target, boolean streaming) {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    headers.add(Map.entry("content-type", "application/json"));
    headers.add(Map.entry("accept", streaming ? "text/event-stream" : "application/json"));
    dialect.authenticate(target, headers);
    headers.addAll(target.forwardHeaders());
    return headers;
  }

  private Duration timeout(Target target) {
    return target.requestTimeout() != null ? target.requestTimeout() : defaultTimeout;
  }

  /** The response, if it succeeded; else the provider's error, with its status and body. */
  private UpstreamResponse succeeded(UpstreamResponse response) {
    return response.succeededOr(name, dialect::errorObject);
  }

  /** The provider's {@code error} object; a body that is not OpenAI's shape becomes its message. */
  public static JsonNode errorObject(byte[] body) {
    try {
      JsonNode json = WireJson.tree(body);
      JsonNode error = json.get("error");
      if (error != null && error.isObject()) {
        return error;
      }
      if (error != null && error.isTextual()) {
        return errorWithMessage(error.asText());
      }
      if (json.has("message")) {
        return errorWithMessage(json.get("message").asText());
      }
      return errorWithMessage(json.toString());
    } catch (WireFormatException e) {
      return errorWithMessage(new String(body, StandardCharsets.UTF_8).strip());
    }
  }

  /** OpenAI's error object with {@code message} and every other key {@code null}. */
  public static ObjectNode errorWithMessage(String message) {
    ObjectNode error = JsonNodeFactory.instance.objectNode();
    error.put("message", message);
    error.putNull("type");
    error.putNull("param");
    error.putNull("code");
    return error;
  }

  private <T> Reply<T> readJson(UpstreamResponse response, Class<T> type) {
    byte[] body;
    try (response) {
      body = response.readBody(MAX_RESPONSE_BYTES);
    }
    try {
      return new Reply<>(WireJson.readKeepingSource(body, type), response.headers());
    } catch (WireFormatException e) {
      throw new UpstreamFailureException(
          name, "The provider's response is not valid JSON: " + e.getMessage(), true, e);
    }
  }
}
