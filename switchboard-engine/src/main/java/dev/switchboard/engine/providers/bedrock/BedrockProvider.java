package dev.switchboard.engine.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
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
import dev.switchboard.engine.providers.anthropic.AnthropicEventPassThrough;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Amazon Bedrock's runtime API: chat through Converse and ConverseStream, embeddings (Titan,
 * Cohere) through InvokeModel, and Anthropic's own {@code /v1/messages} (and its count_tokens) for
 * Anthropic models through InvokeModel, InvokeModelWithResponseStream and CountTokens. Every call
 * is signed with SigV4 for the request's region and credentials ({@code x-portkey-aws-*} headers or
 * the config target's {@code aws_*} fields).
 *
 * <p>The endpoint is {@code https://bedrock-runtime.<region>.amazonaws.com}, unless the gateway's
 * settings or the request's custom host replace it; the signature's region is the request's either
 * way.
 */
public final class BedrockProvider implements Provider {
  /** The provider's name, as in {@code x-portkey-provider}. */
  public static final String NAME = "bedrock";

  /**
   * The provider, at each target's regional endpoint, or at the {@code providers.bedrock.base-url}
   * setting that replaces it.
   */
  public static final ProviderFactory FACTORY =
      ProviderFactory.single(NAME, null, BedrockProvider::new);

  private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
  private static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

  private final URI baseUrl;
  private final UpstreamClient client;
  private final Duration defaultTimeout;
  private final Clock clock;
  private final RequestSigner signer;

  /**
   * @param baseUrl a base URL that replaces the regional endpoint (tests, VPC endpoints), or {@code
   *     null} for AWS's
   * @param defaultTimeout the time a call may take when the request sets none; {@code null} for no
   *     limit
   * @param clock the clock the signatures' times and the answers' {@code created} come from
   */
  BedrockProvider(URI baseUrl, UpstreamClient client, Duration defaultTimeout, Clock clock) {
    this.baseUrl = baseUrl;
    this.client = client;
    this.defaultTimeout = defaultTimeout;
    this.clock = clock;
    this.signer = new RequestSigner(clock);
  }

  @Override
  public Capabilities capabilities() {
    return Capabilities.chatWithTools().withJsonSchema().withEmbeddings().withMessages();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Reply<ChatCompletion> chat(ChatRequest request, Target target) {
    BedrockModel model = BedrockModel.of(request.model());
    BedrockAccess access = BedrockAccess.of(target);
    byte[] body =
        WireJson.write(
            ConverseRequestTranslator.translateRequest(
                request, model, target.option("anthropic_beta")));
    UpstreamResponse response =
        send(target, access, model, "/converse", body, "application/json", false);
    JsonNode json = readJson(response);
    return new Reply<>(
        ConverseResponseTranslator.translateResponse(
            json,
            request.model(),
            completionId(),
            clock.instant().getEpochSecond(),
            strict(target)),
        response.headers());
  }

  @Override
  public ResponseStream<ChatCompletionChunk> streamChat(ChatRequest request, Target target) {
    BedrockModel model = BedrockModel.of(request.model());
    BedrockAccess access = BedrockAccess.of(target);
    byte[] body =
        WireJson.write(
            ConverseRequestTranslator.translateRequest(
                request, model, target.option("anthropic_beta")));
    UpstreamResponse response =
        send(target, access, model, "/converse-stream", body, EVENT_STREAM, true);
    return new TranslatedStream<>(
        NAME,
        response,
        new EventStreamReader(response),
        new ConverseStreamTranslator(
            completionId(),
            clock.instant().getEpochSecond(),
            request.model(),
            request.wantsStreamUsage(),
            strict(target)));
  }

  @Override
  public Reply<EmbeddingResponse> embed(EmbeddingRequest request, Target target) {
    BedrockModel model = BedrockModel.of(request.model());
    BedrockAccess access = BedrockAccess.of(target);
    List<String> texts = EmbeddingTranslator.texts(request);
    List<EmbeddingResponse.Embedding> data = new ArrayList<>();
    List<Map.Entry<String, String>> headers = List.of();
    int tokens = 0;
    switch (model.vendor()) {
      case "amazon" -> {
        // Titan embeds one text per call; Portkey embeds only the first, this embeds each.
        for (int i = 0; i < texts.size(); i++) {
          byte[] body = WireJson.write(EmbeddingTranslator.titanRequest(texts.get(i), request));
          UpstreamResponse response =
              send(target, access, model, "/invoke", body, "application/json", false);
          JsonNode json = readJson(response);
          data.add(
              EmbeddingTranslator.embedding(i, json.path("embedding"), request.encodingFormat()));
          tokens += json.path("inputTextTokenCount").asInt(0);
          headers = response.headers();
        }
      }
      case "cohere" -> {
        byte[] body = WireJson.write(EmbeddingTranslator.cohereRequest(texts, request));
        UpstreamResponse response =
            send(target, access, model, "/invoke", body, "application/json", false);
        JsonNode json = readJson(response);
        JsonNode vectors = EmbeddingTranslator.cohereVectors(json);
        for (int i = 0; i < vectors.size(); i++) {
          data.add(EmbeddingTranslator.embedding(i, vectors.get(i), request.encodingFormat()));
        }
        String count = response.header("x-amzn-bedrock-input-token-count");
        tokens = count == null ? 0 : parseIntOrZero(count);
        headers = response.headers();
      }
      default ->
          throw new InvalidRequestException(
              "The bedrock provider embeds with Amazon Titan (amazon.titan-embed-*) and Cohere"
                  + " (cohere.embed-*) models; "
                  + request.model()
                  + " is neither.",
              "model",
              null);
    }
    return new Reply<>(EmbeddingTranslator.response(data, request.model(), tokens), headers);
  }

  /**
   * Anthropic's Messages API for an Anthropic model, through InvokeModel: the client's body as
   * Bedrock takes it ({@link AnthropicOnBedrock}), the answer as Anthropic's, with the client's
   * model. Portkey translates {@code /v1/messages} to Converse instead, for every model.
   */
  @Override
  public Reply<JsonNode> messages(ObjectNode request, Target target) {
    BedrockModel model = AnthropicOnBedrock.model(request);
    BedrockAccess access = BedrockAccess.of(target);
    byte[] body =
        WireJson.write(AnthropicOnBedrock.invokeBody(request, target.option("anthropic_beta")));
    UpstreamResponse response =
        send(target, access, model, "/invoke", body, "application/json", false);
    List<Map.Entry<String, String>> headers = response.headers();
    return new Reply<>(AnthropicOnBedrock.answer(readJson(response), model.id()), headers);
  }

  /** {@link #messages} streamed: InvokeModelWithResponseStream's chunks as Anthropic's events. */
  @Override
  public ResponseStream<SseEvent> streamMessages(ObjectNode request, Target target) {
    BedrockModel model = AnthropicOnBedrock.model(request);
    BedrockAccess access = BedrockAccess.of(target);
    byte[] body =
        WireJson.write(AnthropicOnBedrock.invokeBody(request, target.option("anthropic_beta")));
    UpstreamResponse response =
        send(target, access, model, "/invoke-with-response-stream", body, EVENT_STREAM, true);
    return new TranslatedStream<>(
        NAME,
        response,
        new InvokeModelEventSource(response, model.id()),
        new AnthropicEventPassThrough(NAME));
  }

  /**
   * Anthropic's count_tokens through Bedrock's CountTokens, with the InvokeModel body (Portkey
   * sends the Converse form).
   */
  @Override
  public Reply<JsonNode> countTokens(ObjectNode request, Target target) {
    BedrockModel model = AnthropicOnBedrock.model(request);
    BedrockAccess access = BedrockAccess.of(target);
    byte[] body =
        WireJson.write(
            AnthropicOnBedrock.countTokensBody(request, target.option("anthropic_beta")));
    UpstreamResponse response =
        send(target, access, model, "/count-tokens", body, "application/json", false);
    List<Map.Entry<String, String>> headers = response.headers();
    return new Reply<>(AnthropicOnBedrock.countTokensAnswer(readJson(response)), headers);
  }

  /** Portkey's {@code strict_open_ai_compliance}: on unless set to {@code false}. */
  private static boolean strict(Target target) {
    return !"false".equalsIgnoreCase(target.option("strict_open_ai_compliance"));
  }

  private static int parseIntOrZero(String value) {
    try {
      return Integer.parseInt(value.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private UpstreamResponse send(
      Target target,
      BedrockAccess access,
      BedrockModel model,
      String action,
      byte[] body,
      String accept,
      boolean streaming) {
    URI uri = URI.create(base(target, access) + "/model/" + model.pathSegment() + action);
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    headers.add(Map.entry("content-type", "application/json"));
    headers.add(Map.entry("accept", accept));
    List<Map.Entry<String, String>> signed = signer.sign("POST", uri, headers, body, access);
    // Headers the client asked to forward go along unsigned, after the signature; none may
    // replace or repeat a header the signature covers or is made of.
    List<Map.Entry<String, String>> all = new ArrayList<>(signed);
    for (Map.Entry<String, String> header : target.forwardHeaders()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      boolean signedName = signed.stream().anyMatch(h -> h.getKey().equals(name));
      if (!signedName && !name.equals("host") && !name.startsWith("x-amz-")) {
        all.add(header);
      }
    }
    var call =
        new UpstreamRequest(
            NAME,
            "POST",
            uri,
            all,
            body,
            target.requestTimeout() != null ? target.requestTimeout() : defaultTimeout,
            streaming,
            target.hops());
    UpstreamResponse response = client.send(call, MAX_RESPONSE_BYTES);
    if (response.isSuccess()) {
      return response;
    }
    byte[] error;
    try (response) {
      error = response.readBody(UpstreamResponse.MAX_ERROR_BYTES);
    }
    throw BedrockErrors.fromResponse(response.status(), response.headers(), error);
  }

  private String base(Target target, BedrockAccess access) {
    String base;
    if (target.customHost() != null) {
      base = target.customHost();
    } else if (baseUrl != null) {
      base = baseUrl.toString();
    } else {
      base = "https://bedrock-runtime." + access.region() + ".amazonaws.com";
    }
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  private static JsonNode readJson(UpstreamResponse response) {
    byte[] body;
    try (response) {
      body = response.readBody(MAX_RESPONSE_BYTES);
    }
    try {
      return BedrockJson.parse(body);
    } catch (WireFormatException e) {
      throw new UpstreamFailureException(
          NAME, "The provider's response is not valid JSON: " + e.getMessage(), true, e);
    }
  }

  private static String completionId() {
    return "chatcmpl-" + UUID.randomUUID();
  }
}
