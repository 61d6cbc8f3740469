package dev.switchboard.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.switchboard.transport.GatewayFacts;
import java.util.Objects;

/**
 * LangChain4j's response metadata with what the gateway did: {@link #gateway()} has the provider
 * that answered, the target's path in the config, retries, cache status, cost, request id and trace
 * id.
 *
 * <pre>{@code
 * ChatResponse response = model.chat(request);
 * GatewayFacts facts = ((SwitchboardChatResponseMetadata) response.metadata()).gateway();
 * }</pre>
 */
public final class SwitchboardChatResponseMetadata extends ChatResponseMetadata {
  private final GatewayFacts gateway;

  private SwitchboardChatResponseMetadata(Builder builder) {
    super(builder);
    this.gateway = builder.gateway;
  }

  /** What the gateway did to answer. */
  public GatewayFacts gateway() {
    return gateway;
  }

  /** The gateway's facts of {@code response}, when a Switchboard model answered it. */
  public static java.util.Optional<GatewayFacts> of(
      dev.langchain4j.model.chat.response.ChatResponse response) {
    return response != null && response.metadata() instanceof SwitchboardChatResponseMetadata m
        ? java.util.Optional.ofNullable(m.gateway)
        : java.util.Optional.empty();
  }

  @Override
  public Builder toBuilder() {
    return ((Builder) toBuilder(builder())).gateway(gateway);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SwitchboardChatResponseMetadata that
        && super.equals(that)
        && Objects.equals(gateway, that.gateway);
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), gateway);
  }

  @Override
  public String toString() {
    return "SwitchboardChatResponseMetadata{" + super.toString() + ", gateway=" + gateway + "}";
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link SwitchboardChatResponseMetadata}. */
  public static final class Builder extends ChatResponseMetadata.Builder<Builder> {
    private GatewayFacts gateway;

    private Builder() {}

    public Builder gateway(GatewayFacts gateway) {
      this.gateway = gateway;
      return this;
    }

    @Override
    public SwitchboardChatResponseMetadata build() {
      return new SwitchboardChatResponseMetadata(this);
    }
  }
}
