package dev.switchboard.langchain4j;

import dev.langchain4j.internal.ExceptionMapper;
import dev.langchain4j.internal.RetryUtils;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.transport.GatewayCallException;
import dev.switchboard.transport.GatewayReply;
import dev.switchboard.transport.GatewayTransport;
import java.util.List;
import java.util.Set;

/**
 * LangChain4j's {@link ChatModel} on the Switchboard gateway: remote ({@code baseUrl}) or
 * in-process ({@code gateway}), the same translation either way. Tools (parallel calls included),
 * JSON-schema response formats, system prompts and {@link ChatModelListener}s work as with any
 * LangChain4j model; per-request gateway options go in {@link SwitchboardChatRequestParameters};
 * what the gateway did is in the response's {@link SwitchboardChatResponseMetadata}. Errors are
 * LangChain4j's exceptions ({@code RateLimitException} for 429, {@link
 * ContextLengthExceededException}, …), retried {@code maxRetries} times when retriable.
 *
 * <pre>{@code
 * ChatModel model = SwitchboardChatModel.builder()
 *     .baseUrl("http://127.0.0.1:8787")
 *     .provider("mock")
 *     .modelName("mock-chat")
 *     .build();
 * }</pre>
 */
public final class SwitchboardChatModel implements ChatModel {
  private final GatewayTransport transport;
  private final RequestOptions options;
  private final SwitchboardChatRequestParameters defaults;
  private final List<ChatModelListener> listeners;
  private final int maxRetries;

  private SwitchboardChatModel(Builder builder) {
    this.transport = builder.transport();
    this.options = builder.baseOptions();
    this.defaults = builder.defaultParameters();
    this.listeners = builder.listeners();
    this.maxRetries = builder.maxRetries;
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public ChatResponse doChat(ChatRequest request) {
    var wire = ChatTranslation.toWire(request);
    RequestOptions requestOptions = ChatTranslation.options(options, request.parameters());
    GatewayReply reply =
        RetryUtils.withRetryMappingExceptions(
            () -> transport.chat(wire, requestOptions), maxRetries, SwitchboardChatModel::mapped);
    return ChatTranslation.fromWire(reply.body(), reply.facts());
  }

  private static RuntimeException mapped(Throwable error) {
    return error instanceof GatewayCallException call
        ? LangChain4jErrors.toLangChain4j(call)
        : ExceptionMapper.DEFAULT.mapException(error);
  }

  @Override
  public ChatRequestParameters defaultRequestParameters() {
    return defaults;
  }

  @Override
  public List<ChatModelListener> listeners() {
    return listeners;
  }

  @Override
  public ModelProvider provider() {
    return ModelProvider.OTHER;
  }

  @Override
  public Set<Capability> supportedCapabilities() {
    return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
  }

  /** Builds a {@link SwitchboardChatModel}. */
  public static final class Builder extends SwitchboardModelBuilder<Builder> {
    private int maxRetries;

    private Builder() {}

    /**
     * How many times LangChain4j's retry tries again after a retriable error (429, 408, 5xx, no
     * answer); default 0, as the gateway's config retries ({@code retry}) are the better place.
     */
    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0) {
        throw new IllegalArgumentException("maxRetries must not be negative");
      }
      this.maxRetries = maxRetries;
      return this;
    }

    public SwitchboardChatModel build() {
      return new SwitchboardChatModel(this);
    }
  }
}
