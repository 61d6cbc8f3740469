package dev.switchboard.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * LangChain4j's request parameters with the gateway's own: the provider to call, the routing config
 * (its JSON or the id of a config saved in the gateway), the trace id, metadata, and cache options.
 * Set them on a model as its defaults ({@code defaultRequestParameters}) or on one {@code
 * ChatRequest}; a request's values win over the model's, and metadata maps are merged.
 *
 * <pre>{@code
 * ChatRequest request = ChatRequest.builder()
 *     .messages(UserMessage.from("Hello"))
 *     .parameters(SwitchboardChatRequestParameters.builder()
 *         .config("{\"strategy\":{\"mode\":\"fallback\"},\"targets\":[…]}")
 *         .traceId("checkout-42")
 *         .metadata(Map.of("_user", "ada"))
 *         .build())
 *     .build();
 * }</pre>
 */
public final class SwitchboardChatRequestParameters extends DefaultChatRequestParameters {
  private final String provider;
  private final String config;
  private final String traceId;
  private final Map<String, String> metadata;
  private final String cacheNamespace;
  private final Boolean cacheForceRefresh;

  private SwitchboardChatRequestParameters(Builder builder) {
    super(builder);
    this.provider = builder.provider;
    this.config = builder.config;
    this.traceId = builder.traceId;
    this.metadata = Map.copyOf(builder.metadata);
    this.cacheNamespace = builder.cacheNamespace;
    this.cacheForceRefresh = builder.cacheForceRefresh;
  }

  /** {@code x-portkey-provider}: the provider to call when no config names one, or {@code null}. */
  public String provider() {
    return provider;
  }

  /**
   * {@code x-portkey-config}: a routing config as JSON, or a saved config's id; or {@code null}.
   */
  public String config() {
    return config;
  }

  /** {@code x-portkey-trace-id}, or {@code null} for a new one per request. */
  public String traceId() {
    return traceId;
  }

  /** {@code x-portkey-metadata}: key/value metadata for the gateway's request log. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** {@code x-portkey-cache-namespace}, or {@code null}. */
  public String cacheNamespace() {
    return cacheNamespace;
  }

  /** {@code x-portkey-cache-force-refresh}, or {@code null} when not set. */
  public Boolean cacheForceRefresh() {
    return cacheForceRefresh;
  }

  @Override
  public ChatRequestParameters overrideWith(ChatRequestParameters that) {
    return builder().overrideWith(this).overrideWith(that).build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SwitchboardChatRequestParameters that
        && super.equals(that)
        && Objects.equals(provider, that.provider)
        && Objects.equals(config, that.config)
        && Objects.equals(traceId, that.traceId)
        && metadata.equals(that.metadata)
        && Objects.equals(cacheNamespace, that.cacheNamespace)
        && Objects.equals(cacheForceRefresh, that.cacheForceRefresh);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        super.hashCode(), provider, config, traceId, metadata, cacheNamespace, cacheForceRefresh);
  }

  @Override
  public String toString() {
    return "SwitchboardChatRequestParameters{"
        + super.toString()
        + ", provider="
        + provider
        + ", config="
        + (config == null ? null : "set")
        + ", traceId="
        + traceId
        + ", metadata keys="
        + metadata.keySet()
        + "}";
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link SwitchboardChatRequestParameters}; every field is optional. */
  public static final class Builder extends DefaultChatRequestParameters.Builder<Builder> {
    private String provider;
    private String config;
    private String traceId;
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private String cacheNamespace;
    private Boolean cacheForceRefresh;

    private Builder() {}

    /**
     * Takes every value {@code parameters} sets; for {@link SwitchboardChatRequestParameters}, the
     * gateway's too (metadata merged, its keys winning).
     */
    @Override
    public Builder overrideWith(ChatRequestParameters parameters) {
      super.overrideWith(parameters);
      if (parameters instanceof SwitchboardChatRequestParameters that) {
        provider = that.provider != null ? that.provider : provider;
        config = that.config != null ? that.config : config;
        traceId = that.traceId != null ? that.traceId : traceId;
        metadata.putAll(that.metadata);
        cacheNamespace = that.cacheNamespace != null ? that.cacheNamespace : cacheNamespace;
        cacheForceRefresh =
            that.cacheForceRefresh != null ? that.cacheForceRefresh : cacheForceRefresh;
      }
      return this;
    }

    public Builder provider(String provider) {
      this.provider = provider;
      return this;
    }

    /** A routing config as JSON, or the id of a config saved in the gateway's settings. */
    public Builder config(String config) {
      this.config = config;
      return this;
    }

    public Builder traceId(String traceId) {
      this.traceId = traceId;
      return this;
    }

    /** Adds metadata; the gateway keeps string values only, as Portkey. */
    public Builder metadata(Map<String, String> metadata) {
      this.metadata.putAll(metadata);
      return this;
    }

    public Builder cacheNamespace(String namespace) {
      this.cacheNamespace = namespace;
      return this;
    }

    public Builder cacheForceRefresh(Boolean refresh) {
      this.cacheForceRefresh = refresh;
      return this;
    }

    @Override
    public SwitchboardChatRequestParameters build() {
      return new SwitchboardChatRequestParameters(this);
    }
  }
}
