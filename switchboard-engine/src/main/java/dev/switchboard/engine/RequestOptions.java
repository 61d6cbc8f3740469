package dev.switchboard.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How one request is to be served: Portkey's per-request options ({@code x-portkey-provider}, the
 * provider key, {@code x-portkey-custom-host}, trace id, metadata, forwarded headers, request
 * timeout). The server reads them from headers; in-process callers build them.
 *
 * @param provider the provider to call, e.g. {@code openai} or {@code mock}
 * @param apiKey the provider credential to pass on, or {@code null}
 * @param customHost a base URL to call instead of the provider's (checked by the outbound guard)
 * @param traceId the id that ties this request's records together
 * @param metadata the caller's key/value metadata, for logs and analytics
 * @param forwardHeaders client headers to send to the provider unchanged
 * @param requestTimeout the time an upstream call may take, or {@code null} for the default
 * @param config the routing config: its JSON, or the id of a config saved in the gateway; {@code
 *     null} for none
 * @param requestHeaders the client's other request headers by lower-case name, from which a
 *     config's {@code forward_headers} take their values
 * @param providerOptions provider-specific settings by {@link
 *     dev.switchboard.engine.providers.ProviderOptions} name ({@code aws_region}, …)
 * @param gatewayKey the caller's gateway key ({@code x-portkey-api-key}), which scopes cached
 *     answers to its holder, or {@code null}
 * @param cacheNamespace {@code x-portkey-cache-namespace}: answers are shared only within one
 *     namespace; {@code null} for the default one
 * @param cacheForceRefresh {@code x-portkey-cache-force-refresh}: skip the cache lookup, call the
 *     provider and store its answer afresh
 * @param defaultInputGuardrails {@code x-portkey-default-input-guardrails}: a JSON array of
 *     guardrails in the shorthand form, run on every request besides the config's; {@code null} for
 *     none
 * @param defaultOutputGuardrails {@code x-portkey-default-output-guardrails}, likewise on answers
 * @param virtualKey {@code x-portkey-virtual-key}: the slug of a virtual key, whose stored provider
 *     and credentials serve a request (or a config's targets) that name no provider key; {@code
 *     null} for none
 * @param prompt the saved prompt's version this request was rendered from ({@code POST
 *     /v1/prompts/{id}/completions}), or {@code null}: it keys the cache apart and is logged
 */
public record RequestOptions(
    String provider,
    String apiKey,
    String customHost,
    String traceId,
    Map<String, String> metadata,
    List<Map.Entry<String, String>> forwardHeaders,
    Duration requestTimeout,
    String config,
    Map<String, String> requestHeaders,
    Map<String, String> providerOptions,
    String gatewayKey,
    String cacheNamespace,
    boolean cacheForceRefresh,
    String defaultInputGuardrails,
    String defaultOutputGuardrails,
    String virtualKey,
    PromptVersion prompt) {

  /** The metadata key of the prompt's id, on a request made from a saved prompt. */
  public static final String PROMPT_ID_METADATA = "_prompt_id";

  /** The metadata key of the prompt's version number. */
  public static final String PROMPT_VERSION_METADATA = "_prompt_version";

  /** The metadata key of both, as {@code id@version}: one cohort per version. */
  public static final String PROMPT_METADATA = "_prompt";

  /**
   * A version of a saved prompt.
   *
   * @param id the prompt's id
   * @param version its version number, from 1
   */
  public record PromptVersion(String id, int version) {
    /** {@code id@version}, as the log's {@code _prompt} metadata carries it. */
    @Override
    public String toString() {
      return id + "@" + version;
    }
  }

  /**
   * These options for a request rendered from {@code prompt}: the prompt's version is recorded (in
   * the cache key, and as the metadata {@code _prompt_id}, {@code _prompt_version} and {@code
   * _prompt}, which the request log keeps, filters and groups by; a client's own values of these
   * keys are replaced), and {@code promptConfig} routes the request when the caller sent no config.
   */
  public RequestOptions fromPrompt(PromptVersion prompt, String promptConfig) {
    Map<String, String> marked = new LinkedHashMap<>(metadata);
    marked.put(PROMPT_ID_METADATA, prompt.id());
    marked.put(PROMPT_VERSION_METADATA, Integer.toString(prompt.version()));
    marked.put(PROMPT_METADATA, prompt.toString());
    return copy(marked, config == null ? promptConfig : config, requestHeaders, prompt);
  }

  /**
   * These options with the client request header {@code name} set to {@code value} (a header the
   * client sent by that name is replaced): for a gateway's own opt-ins such as {@code
   * x-switchboard-stream-cost}, which clients of the transport send on the caller's behalf.
   */
  public RequestOptions withRequestHeader(String name, String value) {
    Map<String, String> headers = new LinkedHashMap<>(requestHeaders);
    headers.put(name.toLowerCase(java.util.Locale.ROOT), value);
    return copy(metadata, config, headers, prompt);
  }

  /** A copy of these options with the given components replaced. */
  private RequestOptions copy(
      Map<String, String> newMetadata,
      String newConfig,
      Map<String, String> newRequestHeaders,
      PromptVersion newPrompt) {
    return new RequestOptions(
        provider,
        apiKey,
        customHost,
        traceId,
        newMetadata,
        forwardHeaders,
        requestTimeout,
        newConfig,
        newRequestHeaders,
        providerOptions,
        gatewayKey,
        cacheNamespace,
        cacheForceRefresh,
        defaultInputGuardrails,
        defaultOutputGuardrails,
        virtualKey,
        newPrompt);
  }

  public RequestOptions {
    metadata = Map.copyOf(metadata);
    forwardHeaders = List.copyOf(forwardHeaders);
    requestHeaders = Map.copyOf(requestHeaders);
    providerOptions = Map.copyOf(providerOptions);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The gateways this request passed through before this one, from its {@code x-switchboard-hops}
   * header: 0 for a client's own request.
   */
  public int hops() {
    return dev.switchboard.engine.outbound.Hops.parse(
        requestHeaders.get(dev.switchboard.engine.outbound.Hops.HEADER));
  }

  /** Secrets stay out of logs. */
  @Override
  public String toString() {
    return "RequestOptions[provider="
        + provider
        + ", apiKey="
        + (apiKey == null ? "none" : "redacted")
        + ", customHost="
        + customHost
        + ", traceId="
        + traceId
        + ", gatewayKey="
        + (gatewayKey == null ? "none" : "redacted")
        + ", cacheNamespace="
        + cacheNamespace
        + ", virtualKey="
        + virtualKey
        + ", prompt="
        + prompt
        + "]";
  }

  /** Builds {@link RequestOptions}; everything but the provider is optional. */
  public static final class Builder {
    private String provider;
    private String apiKey;
    private String customHost;
    private String traceId;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Map.Entry<String, String>> forwardHeaders = new ArrayList<>();
    private Duration requestTimeout;
    private String config;
    private final Map<String, String> requestHeaders = new LinkedHashMap<>();
    private final Map<String, String> providerOptions = new LinkedHashMap<>();
    private String gatewayKey;
    private String cacheNamespace;
    private boolean cacheForceRefresh;
    private String defaultInputGuardrails;
    private String defaultOutputGuardrails;
    private String virtualKey;

    private Builder() {}

    /** {@code x-portkey-virtual-key}: a virtual key's slug. */
    public Builder virtualKey(String slug) {
      this.virtualKey = slug;
      return this;
    }

    /** {@code x-portkey-default-input-guardrails}: a JSON array of shorthand guardrails. */
    public Builder defaultInputGuardrails(String json) {
      this.defaultInputGuardrails = json;
      return this;
    }

    /** {@code x-portkey-default-output-guardrails}: a JSON array of shorthand guardrails. */
    public Builder defaultOutputGuardrails(String json) {
      this.defaultOutputGuardrails = json;
      return this;
    }

    /** The caller's gateway key ({@code x-portkey-api-key}); it scopes cached answers. */
    public Builder gatewayKey(String gatewayKey) {
      this.gatewayKey = gatewayKey;
      return this;
    }

    /** {@code x-portkey-cache-namespace}: answers are shared only within one namespace. */
    public Builder cacheNamespace(String namespace) {
      this.cacheNamespace = namespace;
      return this;
    }

    /** {@code x-portkey-cache-force-refresh}: skip the lookup and store a fresh answer. */
    public Builder cacheForceRefresh(boolean refresh) {
      this.cacheForceRefresh = refresh;
      return this;
    }

    /**
     * A provider-specific setting by its {@link dev.switchboard.engine.providers.ProviderOptions}
     * name, e.g. {@code providerOption("aws_region", "eu-west-1")}.
     */
    public Builder providerOption(String name, String value) {
      this.providerOptions.put(name, value);
      return this;
    }

    /** A routing config as JSON, or the id of a config saved in the gateway. */
    public Builder config(String config) {
      this.config = config;
      return this;
    }

    /** A client header a config's {@code forward_headers} may name. */
    public Builder requestHeader(String name, String value) {
      this.requestHeaders.putIfAbsent(name.toLowerCase(java.util.Locale.ROOT), value);
      return this;
    }

    public Builder provider(String provider) {
      this.provider = provider;
      return this;
    }

    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    public Builder customHost(String customHost) {
      this.customHost = customHost;
      return this;
    }

    public Builder traceId(String traceId) {
      this.traceId = traceId;
      return this;
    }

    public Builder metadata(Map<String, String> metadata) {
      this.metadata.putAll(metadata);
      return this;
    }

    public Builder forwardHeader(String name, String value) {
      this.forwardHeaders.add(Map.entry(name, value));
      return this;
    }

    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    public RequestOptions build() {
      return new RequestOptions(
          provider,
          apiKey,
          customHost,
          traceId,
          metadata,
          forwardHeaders,
          requestTimeout,
          config,
          requestHeaders,
          providerOptions,
          gatewayKey,
          cacheNamespace,
          cacheForceRefresh,
          defaultInputGuardrails,
          defaultOutputGuardrails,
          virtualKey,
          null);
    }
  }
}
