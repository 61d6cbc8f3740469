package dev.switchboard.client;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.chat.completions.StructuredChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.switchboard.client.config.PortkeyConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * A Java client for a Switchboard gateway (or Portkey's), on the official OpenAI Java SDK: requests
 * are the SDK's params ({@code ChatCompletionCreateParams} …), answers the SDK's models, errors the
 * SDK's exceptions ({@code RateLimitException} for 429, {@code BadRequestException} for 400, …,
 * each with the gateway's OpenAI-shaped error). What it adds: Portkey's options as {@link
 * CallOptions} (config, provider, trace id, metadata, cache controls) per client and per call, and
 * the gateway's {@link GatewayFacts} on every answer.
 *
 * <pre>{@code
 * try (SwitchboardClient client =
 *     SwitchboardClient.builder().baseUrl("http://127.0.0.1:8787").provider("mock").build()) {
 *   GatewayReply<ChatCompletion> reply = client.chat(
 *       ChatCompletionCreateParams.builder().model("mock-chat").addUserMessage("Hello").build());
 *   reply.facts().cacheStatus();
 * }
 * }</pre>
 *
 * Thread-safe; build one per application and share it.
 */
public final class SwitchboardClient implements AutoCloseable {
  /**
   * The request header that asks the gateway for a stream's cost in its usage chunk ({@code
   * "cost_usd"}); the gateway adds it to no other client's stream.
   */
  static final String STREAM_COST_HEADER = "x-switchboard-stream-cost";

  private final OpenAIClient openai;
  private final CallOptions defaults;

  private SwitchboardClient(OpenAIClient openai, CallOptions defaults) {
    this.openai = openai;
    this.defaults = defaults;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A chat completion, with the client's options. */
  public GatewayReply<ChatCompletion> chat(ChatCompletionCreateParams params) {
    return chat(params, CallOptions.none());
  }

  /** A chat completion, with {@code options} over the client's. */
  public GatewayReply<ChatCompletion> chat(ChatCompletionCreateParams params, CallOptions options) {
    try (HttpResponseFor<ChatCompletion> response =
        openai.chat().completions().withRawResponse().create(withHeaders(params, options))) {
      return new GatewayReply<>(response.parse(), GatewayFacts.from(response.headers()));
    }
  }

  /**
   * A chat completion whose answer is an instance of a Java class: the SDK generates the JSON
   * schema from the class ({@code
   * ChatCompletionCreateParams.builder().responseFormat(MyRecord.class)}) and reads the answer into
   * it ({@code choices().getFirst().message().content()}).
   */
  public <T> GatewayReply<StructuredChatCompletion<T>> chat(
      StructuredChatCompletionCreateParams<T> params) {
    return chat(params, CallOptions.none());
  }

  /** A structured chat completion, with {@code options} over the client's. */
  public <T> GatewayReply<StructuredChatCompletion<T>> chat(
      StructuredChatCompletionCreateParams<T> params, CallOptions options) {
    GatewayReply<ChatCompletion> raw = chat(params.rawParams(), options);
    return new GatewayReply<>(
        new StructuredChatCompletion<>(params.responseType(), raw.body()), raw.facts());
  }

  /**
   * A chat completion as a stream of chunks. Unless the params say otherwise, asks for the usage
   * chunk ({@code stream_options.include_usage}), and asks the gateway to put the answer's cost in
   * it ({@value #STREAM_COST_HEADER}{@code : true}).
   */
  public GatewayChatStream chatStream(ChatCompletionCreateParams params) {
    return chatStream(params, CallOptions.none());
  }

  /** A streamed chat completion, with {@code options} over the client's. */
  public GatewayChatStream chatStream(ChatCompletionCreateParams params, CallOptions options) {
    ChatCompletionCreateParams streamed =
        params.streamOptions().isPresent()
            ? params
            : params.toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .build();
    HttpResponseFor<StreamResponse<ChatCompletionChunk>> response =
        openai
            .chat()
            .completions()
            .withRawResponse()
            .createStreaming(
                withHeaders(streamed, options).toBuilder()
                    .putAdditionalHeader(STREAM_COST_HEADER, "true")
                    .build());
    return new GatewayChatStream(response.parse(), GatewayFacts.from(response.headers()));
  }

  /** Embeddings of the input, with the client's options. */
  public GatewayReply<CreateEmbeddingResponse> embeddings(EmbeddingCreateParams params) {
    return embeddings(params, CallOptions.none());
  }

  /** Embeddings of the input, with {@code options} over the client's. */
  public GatewayReply<CreateEmbeddingResponse> embeddings(
      EmbeddingCreateParams params, CallOptions options) {
    EmbeddingCreateParams.Builder builder = params.toBuilder();
    headers(options).forEach(builder::putAdditionalHeader);
    try (HttpResponseFor<CreateEmbeddingResponse> response =
        openai.embeddings().withRawResponse().create(builder.build())) {
      return new GatewayReply<>(response.parse(), GatewayFacts.from(response.headers()));
    }
  }

  /**
   * The OpenAI SDK client underneath, pointed at the gateway with the client's options as default
   * headers: for the SDK's other APIs (models, completions, …) when the gateway's facts are not
   * needed.
   */
  public OpenAIClient openAi() {
    return openai;
  }

  private ChatCompletionCreateParams withHeaders(
      ChatCompletionCreateParams params, CallOptions options) {
    ChatCompletionCreateParams.Builder builder = params.toBuilder();
    headers(options).forEach(builder::putAdditionalHeader);
    return builder.build();
  }

  private Map<String, String> headers(CallOptions options) {
    return defaults.overriddenBy(options).headers();
  }

  @Override
  public void close() {
    openai.close();
  }

  /** Builds a {@link SwitchboardClient}. */
  public static final class Builder {
    private URI baseUrl = URI.create("http://127.0.0.1:8787");
    private String apiKey;
    private CallOptions defaults = CallOptions.none();
    private Duration timeout = Duration.ofSeconds(60);
    private int maxRetries = 0;

    private Builder() {}

    /**
     * The gateway's address, e.g. {@code http://127.0.0.1:8787} ({@code /v1} is added when
     * missing); default {@code http://127.0.0.1:8787}.
     */
    public Builder baseUrl(String url) {
      URI uri = URI.create(url.strip());
      if (uri.getHost() == null
          || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        throw new IllegalArgumentException("baseUrl must be an absolute http(s) URL");
      }
      this.baseUrl = uri;
      return this;
    }

    /**
     * The provider key, sent as {@code Authorization: Bearer}, which the gateway passes to the
     * provider; not needed for the {@code mock} provider or when the config carries the keys.
     */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    /** The gateway's own key ({@code x-portkey-api-key}), which scopes cached answers to you. */
    public Builder gatewayKey(String gatewayKey) {
      this.defaults = defaults.header("x-portkey-api-key", gatewayKey);
      return this;
    }

    /** The provider of every call ({@code x-portkey-provider}) unless a config or call says. */
    public Builder provider(String provider) {
      this.defaults = defaults.provider(provider);
      return this;
    }

    /** The routing config of every call unless the call sets one. */
    public Builder config(PortkeyConfig config) {
      this.defaults = defaults.config(config);
      return this;
    }

    /** The routing config of every call, as JSON or a saved config's id. */
    public Builder config(String jsonOrSavedId) {
      this.defaults = defaults.config(jsonOrSavedId);
      return this;
    }

    /** Metadata sent with every call; a call's metadata is added to it. */
    public Builder metadata(Map<String, String> metadata) {
      this.defaults = defaults.metadata(metadata);
      return this;
    }

    /** Options for every call (a call's own options win). */
    public Builder defaults(CallOptions options) {
      this.defaults = defaults.overriddenBy(options);
      return this;
    }

    /** How long a call may take, the whole answer or a stream's (default 60 s). */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /**
     * How often the SDK itself retries a failed call (default 0): the gateway retries upstream
     * calls by the config's {@code retry}, honouring {@code Retry-After}, and client retries on top
     * would multiply the attempts.
     */
    public Builder maxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
      return this;
    }

    public SwitchboardClient build() {
      String path = baseUrl.getPath() == null ? "" : baseUrl.getPath().replaceAll("/+$", "");
      String base =
          baseUrl.getScheme()
              + "://"
              + baseUrl.getRawAuthority()
              + (path.endsWith("/v1") ? path : path + "/v1");
      OpenAIClient openai =
          OpenAIOkHttpClient.builder()
              .baseUrl(base)
              // The SDK insists on a key; without one, the gateway sees this word and a provider
              // that needs a key answers 401, as it would to no key.
              .apiKey(apiKey == null ? "none" : apiKey)
              .timeout(timeout)
              .maxRetries(maxRetries)
              .build();
      return new SwitchboardClient(openai, defaults);
    }
  }
}
