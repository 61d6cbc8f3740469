package dev.switchboard.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.bridge.AgentApiBridge;
import dev.switchboard.engine.bridge.MessagesTokenCount;
import dev.switchboard.engine.cache.CacheStage;
import dev.switchboard.engine.cache.CacheStatistics;
import dev.switchboard.engine.cache.SentenceEmbedder;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.guardrails.GuardrailStage;
import dev.switchboard.engine.guardrails.GuardrailStatistics;
import dev.switchboard.engine.observe.ObservationStage;
import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.outbound.OutboundGuard;
import dev.switchboard.engine.outbound.UpstreamClient;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.pipeline.AttemptStage;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.Pipeline;
import dev.switchboard.engine.pipeline.ProviderDispatch;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.pipeline.Stage;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.engine.pricing.PricingStage;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.PassThroughRequest;
import dev.switchboard.engine.providers.ProviderContext;
import dev.switchboard.engine.providers.ProviderFactory;
import dev.switchboard.engine.providers.ProviderRegistry;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.providers.anthropic.AnthropicProvider;
import dev.switchboard.engine.providers.azure.AzureOpenAi;
import dev.switchboard.engine.providers.bedrock.BedrockProvider;
import dev.switchboard.engine.providers.cohere.CohereProvider;
import dev.switchboard.engine.providers.compatible.CompatibleProviders;
import dev.switchboard.engine.providers.google.GoogleProvider;
import dev.switchboard.engine.providers.mock.MockProvider;
import dev.switchboard.engine.providers.openai.OpenAiProvider;
import dev.switchboard.engine.providers.vertex.VertexProvider;
import dev.switchboard.engine.routing.CircuitBreakers;
import dev.switchboard.engine.routing.ConfigSource;
import dev.switchboard.engine.routing.Router;
import dev.switchboard.engine.routing.Sleeper;
import dev.switchboard.engine.routing.StickyArms;
import dev.switchboard.engine.routing.StoredConfigs;
import dev.switchboard.engine.shadow.ShadowTraffic;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.Completion;
import dev.switchboard.wire.CompletionRequest;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.ModelList;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The gateway engine, in-process: the same pipeline the server runs, called as a library. Build one
 * per application and share it; it is thread-safe. Calls block, so run them on virtual threads (or
 * any threads) as you like.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.builder().build()) {
 *   var options = RequestOptions.builder().provider("mock").build();
 *   var reply = gateway.chat(request, options).body();
 * }
 * }</pre>
 *
 * Errors are thrown as {@link dev.switchboard.engine.errors.GatewayException}s, with the status the
 * server would answer.
 */
public final class Gateway implements AutoCloseable {
  /**
   * Every provider the gateway routes to, one line each: registering a provider is adding its
   * package's factory here. The list is kept here, where the gateway builds what the factories are
   * given, rather than in package {@code providers}: every provider package depends on that one
   * ({@code Provider}, {@code Target}, {@code ProviderFactory}), so its naming them would be a
   * cycle.
   */
  private static final List<ProviderFactory> PROVIDERS =
      List.of(
          OpenAiProvider.FACTORY,
          AnthropicProvider.FACTORY,
          BedrockProvider.FACTORY,
          GoogleProvider.FACTORY,
          VertexProvider.FACTORY,
          MockProvider.FACTORY,
          CohereProvider.FACTORY,
          CompatibleProviders.FACTORY,
          AzureOpenAi.FACTORY);

  private final UpstreamClient upstream;
  private final ProviderRegistry providers;
  private final CircuitBreakers circuits;
  private final CacheStage cache;
  private final PriceTable prices;
  private final GuardrailStage guardrails;
  private final ObservationStage observation;
  private final Pipeline pipeline;
  private final StickyArms stickyArms;
  private final ShadowTraffic shadows;
  private final ConfigSource configs;

  /** The subjects the in-process sticky table keeps before the least recently used go. */
  private static final long STICKY_SUBJECTS = 1_000_000;

  private Gateway(Builder builder) {
    GatewaySettings settings = builder.settings;
    OutboundGuard guard = new OutboundGuard(settings.effectiveTrustedHosts());
    this.upstream = new UpstreamClient(guard, settings.connectTimeout(), settings.idleTimeout());
    this.providers =
        ProviderRegistry.of(
            PROVIDERS,
            new ProviderContext(
                upstream, settings.requestTimeout(), builder.clock, settings.providerBaseUrls()));
    this.circuits =
        new CircuitBreakers(
            settings.routing().circuitThreshold(),
            settings.routing().circuitOpenFor(),
            builder.clock);
    this.configs =
        new ConfigSource(
            providers, guard, settings.configs(), builder.storedConfigs, settings.defaultConfig());
    this.stickyArms =
        settings.stickyRedisUri() == null
            ? StickyArms.inProcess(STICKY_SUBJECTS)
            : StickyArms.redis(
                settings.stickyRedisUri(), "switchboard:sticky:", Duration.ofMillis(250));
    Router router =
        new Router(
            configs,
            settings.routing(),
            circuits,
            builder.clock,
            builder.sleeper,
            builder.random,
            builder.virtualKeys,
            stickyArms);
    // The cache runs per attempt, after the router chose the target: its key includes where the
    // request goes (provider, credential, host) and the body as that target sends it.
    SentenceEmbedder embedder =
        builder.embedder != null
            ? builder.embedder
            : java.util.ServiceLoader.load(SentenceEmbedder.class).findFirst().orElse(null);
    this.prices = settings.prices();
    this.cache = new CacheStage(settings.cache(), builder.clock, embedder, prices);
    // Guardrails run per attempt too, after the router (each target has its own hooks) and before
    // the cache: no route reaches a provider or a stored answer without its input hooks, and a
    // cached answer gets the output hooks a fresh one would. Pricing is a request stage above the
    // router: the outcome's origin names the attempt that answered, from the provider or the cache.
    this.guardrails = new GuardrailStage(upstream, builder.clock);
    // Observation is outside everything: it gives the request its id, times it, and builds its
    // record from the request's log once the request is over.
    // Shadows are replayed through the whole pipeline once their client's request is over, which
    // the observation stage tells.
    this.shadows = new ShadowTraffic(settings.shadow(), builder.clock, this::runShadow);
    this.observation =
        new ObservationStage(builder.clock, builder.recordSinks, shadows::requestOver);
    // Admission (who calls, what they may do, their limits) comes first after observation, so a
    // refused request is recorded, and before pricing and routing, so nothing is resolved or sent
    // for a caller that may not make it.
    List<Stage> requestStages = new ArrayList<>();
    requestStages.add(observation);
    if (builder.admission != null) {
      requestStages.add(builder.admission);
    }
    // Conversation state sees the caller admitted, and what it proceeds with (a stored conversation
    // laid before the new input) is what is priced, routed and sent to every fallback.
    if (builder.conversationState != null) {
      requestStages.add(builder.conversationState);
    }
    requestStages.add(new PricingStage(prices));
    // The router ends the request stages; each attempt it builds passes the attempt stages.
    List<AttemptStage> attemptStages = new ArrayList<>();
    // An agent API (Messages, Responses) a provider does not speak proceeds as a chat completion
    // from here down, so the guardrails, the admission and the cache see what is sent.
    attemptStages.add(new AgentApiBridge(providers));
    attemptStages.add(guardrails);
    // Each attempt is admitted on what it will send: after the router's overrides and the input
    // hooks' rewrites, and before the cache, so nothing out of scope is sent or served from it.
    if (builder.attemptAdmission != null) {
      attemptStages.add(builder.attemptAdmission);
    }
    attemptStages.add(cache);
    // A token count a provider cannot make is estimated last, once the count passed the stages
    // above as any attempt does.
    attemptStages.add(new MessagesTokenCount(providers));
    this.pipeline =
        new Pipeline(requestStages, router, attemptStages, new ProviderDispatch(providers));
  }

  private Outcome runShadow(Request shadow) {
    return pipeline.run(shadow);
  }

  /**
   * Shadow traffic (configs' {@code shadow}): its counters, and its kill switch ({@code stop()},
   * {@code start()}).
   */
  public ShadowTraffic shadows() {
    return shadows;
  }

  /**
   * Checks a routing config as a request's {@code x-portkey-config} would be checked (its
   * strategies, targets, providers, custom hosts), for a config about to be saved.
   *
   * @throws dev.switchboard.engine.errors.InvalidRequestException 400 naming the field by its path
   *     and why
   */
  public void checkConfig(JsonNode config) {
    configs.check(config);
  }

  /**
   * Records a request the caller refused before it reached the engine (the server: a body that is
   * not JSON, too large, …), so the request log and metrics count it too.
   */
  public void recordRejected(
      String method, String path, RequestOptions options, GatewayException failure) {
    observation.rejected(method, path, options, failure);
  }

  /** The prices answers are costed by: the shipped table with the settings' overrides. */
  public PriceTable prices() {
    return prices;
  }

  /** The response cache's counters: hits, misses, refreshes, errors, saved tokens and cost. */
  public CacheStatistics.Snapshot cacheStatistics() {
    return cache.statistics();
  }

  /** The guardrails' verdicts, counted by check and by cohort. */
  public GuardrailStatistics.Snapshot guardrailStatistics() {
    return guardrails.statistics().snapshot();
  }

  /**
   * The guardrails for MCP tool calls: the same checks, runner and statistics as this gateway's
   * model traffic, run on a tool's arguments and result.
   */
  public dev.switchboard.engine.guardrails.ToolCallGuardrails toolCallGuardrails() {
    return guardrails.toolCalls();
  }

  /** Every provider this gateway can route to, by name, with what each serves. */
  public Map<String, Capabilities> providers() {
    Map<String, Capabilities> all = new java.util.LinkedHashMap<>();
    for (String name : providers.names()) {
      all.put(name, providers.get(name).capabilities());
    }
    return all;
  }

  /** The state of every upstream's circuit breaker. */
  public List<CircuitBreakers.Status> circuits() {
    return circuits.statuses();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Tells the outbound guard where this gateway listens (the server, once bound), so no request can
   * send the gateway's next call to itself.
   */
  public void listeningOn(List<java.net.InetSocketAddress> listeners) {
    upstream.guard().listeningOn(listeners);
  }

  /**
   * Where this gateway may send a call (the {@code trusted-hosts} setting, never its own
   * listeners): for what calls upstream beside the engine, such as an MCP server declared through
   * the admin API.
   */
  public dev.switchboard.engine.outbound.OutboundGuard outboundGuard() {
    return upstream.guard();
  }

  /**
   * This gateway instance's id, the mark its outgoing calls carry ({@code x-switchboard-gateway}).
   */
  public String instanceId() {
    return upstream.instanceId();
  }

  /** The names of the providers this gateway can call. */
  public java.util.Set<String> providerNames() {
    return providers.names();
  }

  /**
   * Serves one operation through the pipeline and returns what happened as a value: the outcome, or
   * the gateway error, with the facts of what was done. This is the server's entry point; the typed
   * methods below are the library's.
   */
  public Served serve(Operation operation, RequestOptions options) {
    Request request = Request.of(operation, options);
    try {
      Outcome outcome = pipeline.run(request);
      return new Served.Answered(outcome, ResponseFacts.of(request.journal(), outcome.headers()));
    } catch (ProviderErrorException error) {
      return new Served.Failed(error, ResponseFacts.of(request.journal(), error.headers()));
    } catch (GatewayException error) {
      return new Served.Failed(error, ResponseFacts.of(request.journal(), List.of()));
    }
  }

  /** A chat completion; a request that asks for a stream is answered whole all the same. */
  public GatewayResponse<ChatCompletion> chat(ChatRequest request, RequestOptions options) {
    ChatRequest whole = request.isStreaming() ? request.withStream(null) : request;
    return body(new Operation.Chat(whole), options, ChatCompletion.class);
  }

  /** A chat completion as a stream of chunks. */
  public GatewayStream<ChatCompletionChunk> chatStream(
      ChatRequest request, RequestOptions options) {
    ChatRequest streamed = request.isStreaming() ? request : request.withStream(true);
    return stream(new Operation.Chat(streamed), options, ChatCompletionChunk.class);
  }

  /** A legacy text completion. */
  public GatewayResponse<Completion> complete(CompletionRequest request, RequestOptions options) {
    CompletionRequest whole = request.isStreaming() ? request.withStream(null) : request;
    return body(new Operation.TextCompletion(whole), options, Completion.class);
  }

  /** A legacy text completion as a stream. */
  public GatewayStream<Completion> completeStream(
      CompletionRequest request, RequestOptions options) {
    CompletionRequest streamed = request.isStreaming() ? request : request.withStream(true);
    return stream(new Operation.TextCompletion(streamed), options, Completion.class);
  }

  public GatewayResponse<EmbeddingResponse> embed(
      EmbeddingRequest request, RequestOptions options) {
    return body(new Operation.Embedding(request), options, EmbeddingResponse.class);
  }

  public GatewayResponse<ModelList> models(RequestOptions options) {
    return body(new Operation.ListModels(), options, ModelList.class);
  }

  /**
   * OpenAI's Responses API in its own format: the response object, the provider's or translated
   * from its chat answer. A {@code previous_response_id} needs conversation state ({@link
   * Builder#conversationState}).
   */
  public GatewayResponse<JsonNode> responses(ObjectNode request, RequestOptions options) {
    return body(new Operation.Responses(whole(request)), options, JsonNode.class);
  }

  /** OpenAI's Responses API in its own format, as its stream of named events. */
  public GatewayStream<SseEvent> responsesStream(ObjectNode request, RequestOptions options) {
    return stream(new Operation.Responses(streamed(request)), options, SseEvent.class);
  }

  /** Anthropic's Messages API in its own format: the body as sent, the provider's answer. */
  public GatewayResponse<JsonNode> messages(ObjectNode request, RequestOptions options) {
    return body(new Operation.Messages(whole(request)), options, JsonNode.class);
  }

  /** Anthropic's Messages API in its own format, as a stream of Anthropic's events. */
  public GatewayStream<SseEvent> messagesStream(ObjectNode request, RequestOptions options) {
    return stream(new Operation.Messages(streamed(request)), options, SseEvent.class);
  }

  /** A copy of an agent API's {@code request} that asks for a whole answer. */
  private static ObjectNode whole(ObjectNode request) {
    ObjectNode whole = request.deepCopy();
    whole.remove("stream");
    return whole;
  }

  /** A copy of an agent API's {@code request} that asks for a stream. */
  private static ObjectNode streamed(ObjectNode request) {
    return request.deepCopy().put("stream", true);
  }

  /** Anthropic's token count of a Messages API request, in its own format. */
  public GatewayResponse<JsonNode> countTokens(ObjectNode request, RequestOptions options) {
    return body(new Operation.CountTokens(request), options, JsonNode.class);
  }

  /**
   * Sends a request for a provider path the gateway does not model, unchanged. The caller must
   * close the response.
   */
  public GatewayResponse<UpstreamResponse> passThrough(
      PassThroughRequest request, RequestOptions options) {
    Served.Answered answered = answered(new Operation.PassThrough(request), options);
    return new GatewayResponse<>(((Outcome.Raw) answered.outcome()).response(), answered.facts());
  }

  private Served.Answered answered(Operation operation, RequestOptions options) {
    return switch (serve(operation, options)) {
      case Served.Answered answered -> answered;
      case Served.Failed failed -> throw failed.error();
    };
  }

  private <T> GatewayResponse<T> body(Operation operation, RequestOptions options, Class<T> type) {
    Served.Answered answered = answered(operation, options);
    return new GatewayResponse<>(
        type.cast(((Outcome.Body) answered.outcome()).body()), answered.facts());
  }

  @SuppressWarnings("unchecked")
  private <T> GatewayStream<T> stream(Operation operation, RequestOptions options, Class<T> type) {
    Served.Answered answered = answered(operation, options);
    var events = (ResponseStream<T>) ((Outcome.Events) answered.outcome()).stream();
    return new GatewayStream<>(events, answered.facts());
  }

  @Override
  public void close() {
    try {
      shadows.stop();
      guardrails.close();
      cache.close();
      stickyArms.close();
    } finally {
      upstream.close();
    }
  }

  /** Builds a {@link Gateway}. */
  public static final class Builder {
    private GatewaySettings settings = GatewaySettings.defaults();
    private Clock clock = Clock.systemUTC();
    private Sleeper sleeper = Sleeper.SYSTEM;
    private RandomGenerator random = new SplittableRandom();
    private SentenceEmbedder embedder;
    private final List<RecordSink> recordSinks = new ArrayList<>();
    private Stage admission;
    private AttemptStage attemptAdmission;
    private Stage conversationState;
    private dev.switchboard.engine.access.VirtualKeys virtualKeys =
        dev.switchboard.engine.access.VirtualKeys.NONE;
    private StoredConfigs storedConfigs = StoredConfigs.NONE;

    private Builder() {}

    /**
     * Where saved configs that change while the gateway runs are looked up ({@code
     * switchboard-state}'s saved configs); one found there wins over the settings' config of the
     * same id. By default none: the settings' configs only.
     */
    public Builder storedConfigs(StoredConfigs configs) {
      this.storedConfigs = configs;
      return this;
    }

    /**
     * The stage that admits each request before its config is resolved: who the caller is (its
     * gateway key), what it may use, its rate limits and budgets ({@code switchboard-access}). It
     * records the caller in the request's log ({@link
     * dev.switchboard.engine.pipeline.Journal#caller}). None by default: every request is admitted.
     */
    public Builder admission(Stage stage) {
      this.admission = stage;
      return this;
    }

    /**
     * The stage that keeps the Responses API's conversation state ({@code switchboard-state}): run
     * after admission, before pricing and the router, it lays a stored conversation before a
     * request that continues one and stores the answers. None by default: nothing is stored.
     */
    public Builder conversationState(Stage stage) {
      this.conversationState = stage;
      return this;
    }

    /**
     * The stage that admits each upstream attempt on what it will send: run once per attempt, after
     * the router chose the target and applied its {@code override_params} and after the input
     * guardrails, before the cache and the provider ({@code switchboard-access}: the key's scopes
     * on the attempt's provider, model and custom host). None by default.
     */
    public Builder attemptAdmission(AttemptStage stage) {
      this.attemptAdmission = stage;
      return this;
    }

    /**
     * Where {@code x-portkey-virtual-key} and a config's {@code virtual_key} are looked up; by
     * default nowhere (a request naming one is refused with 400).
     */
    public Builder virtualKeys(dev.switchboard.engine.access.VirtualKeys keys) {
      this.virtualKeys = keys;
      return this;
    }

    /**
     * Adds a sink for the record of every request (request log, metrics, traces), called once each
     * request is over; a stream's once it ended or was closed, so close every stream.
     */
    public Builder recordSink(RecordSink sink) {
      recordSinks.add(sink);
      return this;
    }

    /**
     * The sentence embedder of the semantic cache; by default the first one {@link
     * java.util.ServiceLoader} finds (the {@code switchboard-semantic} module's), else none.
     */
    public Builder sentenceEmbedder(SentenceEmbedder embedder) {
      this.embedder = embedder;
      return this;
    }

    /** How retries wait; tests pass one that records the waits. */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = sleeper;
      return this;
    }

    /** The randomness of load balancing and retry jitter; tests pass a seeded one. */
    public Builder random(RandomGenerator random) {
      this.random = random;
      return this;
    }

    public Builder settings(GatewaySettings settings) {
      this.settings = settings;
      return this;
    }

    /** The clock for timestamps; tests pass a fixed one. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Gateway build() {
      return new Gateway(this);
    }
  }
}
