package dev.switchboard.springai;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;

/**
 * Spring AI's chat options with the gateway's own: the provider to call, the routing config (its
 * JSON or the id of a config saved in the gateway), the trace id and metadata. Set them as the
 * model's defaults or on one {@code Prompt} (or {@code ChatClient.prompt().options(…)}); a prompt's
 * values win, metadata maps are merged.
 */
public final class SwitchboardChatOptions implements ToolCallingChatOptions {
  private final String model;
  private final Double temperature;
  private final Integer maxTokens;
  private final Double topP;
  private final Integer topK;
  private final Double frequencyPenalty;
  private final Double presencePenalty;
  private final List<String> stopSequences;
  private final List<ToolCallback> toolCallbacks;
  private final Map<String, Object> toolContext;
  private final String provider;
  private final String config;
  private final String traceId;
  private final Map<String, String> metadata;

  private SwitchboardChatOptions(Builder builder) {
    this.model = builder.model;
    this.temperature = builder.temperature;
    this.maxTokens = builder.maxTokens;
    this.topP = builder.topP;
    this.topK = builder.topK;
    this.frequencyPenalty = builder.frequencyPenalty;
    this.presencePenalty = builder.presencePenalty;
    this.stopSequences = builder.stopSequences == null ? null : List.copyOf(builder.stopSequences);
    this.toolCallbacks = List.copyOf(builder.toolCallbacks);
    this.toolContext = Map.copyOf(builder.toolContext);
    this.provider = builder.provider;
    this.config = builder.config;
    this.traceId = builder.traceId;
    this.metadata = Map.copyOf(builder.metadata);
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public String getModel() {
    return model;
  }

  @Override
  public Double getTemperature() {
    return temperature;
  }

  @Override
  public Integer getMaxTokens() {
    return maxTokens;
  }

  @Override
  public Double getTopP() {
    return topP;
  }

  @Override
  public Integer getTopK() {
    return topK;
  }

  @Override
  public Double getFrequencyPenalty() {
    return frequencyPenalty;
  }

  @Override
  public Double getPresencePenalty() {
    return presencePenalty;
  }

  @Override
  public List<String> getStopSequences() {
    return stopSequences;
  }

  @Override
  public List<ToolCallback> getToolCallbacks() {
    return toolCallbacks;
  }

  @Override
  public Map<String, Object> getToolContext() {
    return toolContext;
  }

  /** {@code x-portkey-provider}: the provider to call when no config names one. */
  public String getProvider() {
    return provider;
  }

  /** {@code x-portkey-config}: a routing config as JSON, or a saved config's id. */
  public String getConfig() {
    return config;
  }

  /** {@code x-portkey-trace-id}, or {@code null} for a new one per request. */
  public String getTraceId() {
    return traceId;
  }

  /** {@code x-portkey-metadata}. */
  public Map<String, String> getMetadata() {
    return metadata;
  }

  @Override
  public Builder mutate() {
    return new Builder().from(this);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SwitchboardChatOptions that
        && Objects.equals(model, that.model)
        && Objects.equals(temperature, that.temperature)
        && Objects.equals(maxTokens, that.maxTokens)
        && Objects.equals(topP, that.topP)
        && Objects.equals(topK, that.topK)
        && Objects.equals(frequencyPenalty, that.frequencyPenalty)
        && Objects.equals(presencePenalty, that.presencePenalty)
        && Objects.equals(stopSequences, that.stopSequences)
        && toolCallbacks.equals(that.toolCallbacks)
        && toolContext.equals(that.toolContext)
        && Objects.equals(provider, that.provider)
        && Objects.equals(config, that.config)
        && Objects.equals(traceId, that.traceId)
        && metadata.equals(that.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, temperature, maxTokens, provider, config, traceId, metadata);
  }

  @Override
  public String toString() {
    return "SwitchboardChatOptions{model="
        + model
        + ", provider="
        + provider
        + ", config="
        + (config == null ? null : "set")
        + ", traceId="
        + traceId
        + ", tools="
        + toolCallbacks.size()
        + "}";
  }

  /** Builds {@link SwitchboardChatOptions}; every field is optional. */
  public static final class Builder implements ToolCallingChatOptions.Builder<Builder> {
    private String model;
    private Double temperature;
    private Integer maxTokens;
    private Double topP;
    private Integer topK;
    private Double frequencyPenalty;
    private Double presencePenalty;
    private List<String> stopSequences;
    private List<ToolCallback> toolCallbacks = new ArrayList<>();
    private Map<String, Object> toolContext = new LinkedHashMap<>();
    private String provider;
    private String config;
    private String traceId;
    private Map<String, String> metadata = new LinkedHashMap<>();

    private Builder() {}

    /** Takes every value {@code options} sets (Spring AI's common ones, tools, the gateway's). */
    public Builder from(ChatOptions options) {
      if (options == null) {
        return this;
      }
      model = or(options.getModel(), model);
      temperature = or(options.getTemperature(), temperature);
      maxTokens = or(options.getMaxTokens(), maxTokens);
      topP = or(options.getTopP(), topP);
      topK = or(options.getTopK(), topK);
      frequencyPenalty = or(options.getFrequencyPenalty(), frequencyPenalty);
      presencePenalty = or(options.getPresencePenalty(), presencePenalty);
      stopSequences = or(options.getStopSequences(), stopSequences);
      if (options instanceof ToolCallingChatOptions tools) {
        if (tools.getToolCallbacks() != null && !tools.getToolCallbacks().isEmpty()) {
          toolCallbacks = new ArrayList<>(tools.getToolCallbacks());
        }
        if (tools.getToolContext() != null) {
          toolContext.putAll(tools.getToolContext());
        }
      }
      if (options instanceof SwitchboardChatOptions gateway) {
        provider = or(gateway.provider, provider);
        config = or(gateway.config, config);
        traceId = or(gateway.traceId, traceId);
        metadata.putAll(gateway.metadata);
      }
      return this;
    }

    private static <T> T or(T value, T otherwise) {
      return value != null ? value : otherwise;
    }

    @Override
    public Builder clone() {
      Builder copy = new Builder();
      copy.model = model;
      copy.temperature = temperature;
      copy.maxTokens = maxTokens;
      copy.topP = topP;
      copy.topK = topK;
      copy.frequencyPenalty = frequencyPenalty;
      copy.presencePenalty = presencePenalty;
      copy.stopSequences = stopSequences;
      copy.toolCallbacks = new ArrayList<>(toolCallbacks);
      copy.toolContext = new LinkedHashMap<>(toolContext);
      copy.provider = provider;
      copy.config = config;
      copy.traceId = traceId;
      copy.metadata = new LinkedHashMap<>(metadata);
      return copy;
    }

    @Override
    public Builder combineWith(ChatOptions.Builder<?> other) {
      return from(other.build());
    }

    @Override
    public Builder model(String model) {
      this.model = model;
      return this;
    }

    @Override
    public Builder frequencyPenalty(Double frequencyPenalty) {
      this.frequencyPenalty = frequencyPenalty;
      return this;
    }

    @Override
    public Builder maxTokens(Integer maxTokens) {
      this.maxTokens = maxTokens;
      return this;
    }

    @Override
    public Builder presencePenalty(Double presencePenalty) {
      this.presencePenalty = presencePenalty;
      return this;
    }

    @Override
    public Builder stopSequences(List<String> stopSequences) {
      this.stopSequences = stopSequences;
      return this;
    }

    @Override
    public Builder temperature(Double temperature) {
      this.temperature = temperature;
      return this;
    }

    @Override
    public Builder topK(Integer topK) {
      this.topK = topK;
      return this;
    }

    @Override
    public Builder topP(Double topP) {
      this.topP = topP;
      return this;
    }

    @Override
    public Builder toolCallbacks(List<ToolCallback> toolCallbacks) {
      this.toolCallbacks = new ArrayList<>(toolCallbacks);
      return this;
    }

    @Override
    public Builder toolCallbacks(ToolCallback... toolCallbacks) {
      return toolCallbacks(List.of(toolCallbacks));
    }

    @Override
    public Builder toolContext(Map<String, Object> toolContext) {
      this.toolContext.putAll(toolContext);
      return this;
    }

    @Override
    public Builder toolContext(String key, Object value) {
      this.toolContext.put(key, value);
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

    public Builder metadata(Map<String, String> metadata) {
      this.metadata.putAll(metadata);
      return this;
    }

    @Override
    public SwitchboardChatOptions build() {
      return new SwitchboardChatOptions(this);
    }
  }
}
