package dev.switchboard.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.transport.GatewayTransport;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link SwitchboardChatModel} and {@link SwitchboardStreamingChatModel} are configured with:
 * where the gateway is (exactly one of {@link #baseUrl}, {@link #gateway} or {@link #transport}),
 * the gateway options every request carries (provider, key, config, metadata, …) and LangChain4j's
 * default request parameters (model name, temperature, …).
 */
public abstract class SwitchboardModelBuilder<B extends SwitchboardModelBuilder<B>> {
  private URI baseUrl;
  private Gateway gateway;
  private GatewayTransport transport;
  private Duration timeout;
  private final RequestOptions.Builder options = RequestOptions.builder();
  private final Map<String, String> metadata = new LinkedHashMap<>();
  private final SwitchboardChatRequestParameters.Builder parameters =
      SwitchboardChatRequestParameters.builder();
  private final List<ChatModelListener> listeners = new ArrayList<>();

  SwitchboardModelBuilder() {}

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /** A gateway server, e.g. {@code http://127.0.0.1:8787} (with or without {@code /v1}). */
  public B baseUrl(String baseUrl) {
    this.baseUrl = URI.create(baseUrl);
    return self();
  }

  /** The engine in this JVM: no HTTP hop; the same routing, cache and guardrails. */
  public B gateway(Gateway gateway) {
    this.gateway = gateway;
    return self();
  }

  /** A transport of your own building (shared between models); the model never closes it. */
  public B transport(GatewayTransport transport) {
    this.transport = transport;
    return self();
  }

  /** For {@link #baseUrl}: how long the gateway may take to start answering (default 5 min). */
  public B timeout(Duration timeout) {
    this.timeout = timeout;
    return self();
  }

  /** The provider's key, sent as {@code Authorization: Bearer} (not needed for {@code mock}). */
  public B apiKey(String apiKey) {
    options.apiKey(apiKey);
    return self();
  }

  /**
   * The gateway's own key, {@code x-portkey-api-key}, which scopes cached answers to its holder.
   */
  public B gatewayKey(String gatewayKey) {
    options.gatewayKey(gatewayKey);
    return self();
  }

  /** {@code x-portkey-provider}: the provider to call when no config names one. */
  public B provider(String provider) {
    options.provider(provider);
    return self();
  }

  /** {@code x-portkey-config}: a routing config as JSON, or the id of one saved in the gateway. */
  public B config(String config) {
    options.config(config);
    return self();
  }

  /** {@code x-portkey-custom-host}: an OpenAI-compatible server to call instead. */
  public B customHost(String customHost) {
    options.customHost(customHost);
    return self();
  }

  /** A provider option, e.g. {@code providerOption("aws_region", "eu-west-1")}. */
  public B providerOption(String name, String value) {
    options.providerOption(name, value);
    return self();
  }

  /** {@code x-portkey-metadata} on every request; a request's own metadata is merged over it. */
  public B metadata(Map<String, String> metadata) {
    this.metadata.putAll(metadata);
    return self();
  }

  /** {@code x-portkey-request-timeout}: how long the gateway gives each upstream call. */
  public B requestTimeout(Duration timeout) {
    options.requestTimeout(timeout);
    return self();
  }

  public B modelName(String modelName) {
    parameters.modelName(modelName);
    return self();
  }

  public B temperature(Double temperature) {
    parameters.temperature(temperature);
    return self();
  }

  public B topP(Double topP) {
    parameters.topP(topP);
    return self();
  }

  public B maxOutputTokens(Integer maxOutputTokens) {
    parameters.maxOutputTokens(maxOutputTokens);
    return self();
  }

  public B responseFormat(ResponseFormat responseFormat) {
    parameters.responseFormat(responseFormat);
    return self();
  }

  /**
   * Default request parameters (LangChain4j's or {@link SwitchboardChatRequestParameters}); the
   * setters above and a request's own parameters win over them.
   */
  public B defaultRequestParameters(ChatRequestParameters defaults) {
    SwitchboardChatRequestParameters.Builder merged =
        SwitchboardChatRequestParameters.builder().overrideWith(defaults);
    merged.overrideWith(parameters.build());
    parameters.overrideWith(merged.build());
    return self();
  }

  /** Listeners told of every request, answer and error, with an attributes map to share. */
  public B listeners(List<ChatModelListener> listeners) {
    this.listeners.addAll(listeners);
    return self();
  }

  /** The transport the settings describe, and whether the model made it. */
  GatewayTransport transport() {
    int chosen =
        (baseUrl != null ? 1 : 0) + (gateway != null ? 1 : 0) + (transport != null ? 1 : 0);
    if (chosen != 1) {
      throw new IllegalStateException(
          "set exactly one of baseUrl (a gateway server), gateway (in-process) or transport");
    }
    if (transport != null) {
      return transport;
    }
    if (gateway != null) {
      return GatewayTransport.inProcess(gateway);
    }
    var remote = GatewayTransport.remote(baseUrl);
    if (timeout != null) {
      remote.timeout(timeout);
    }
    return remote.build();
  }

  RequestOptions baseOptions() {
    return options.metadata(metadata).build();
  }

  SwitchboardChatRequestParameters defaultParameters() {
    return parameters.build();
  }

  List<ChatModelListener> listeners() {
    return List.copyOf(listeners);
  }
}
